import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { overdueTasks } from "./overdue-tasks";
import type { RuleResult } from "./types";

/**
 * task_stalled: a running task that reported progress in this attempt, whose fraction and step
 * have not changed for more than `thresholdS` while it stays running (its agent heartbeats:
 * otherwise its lease expires and the attempt ends). The clock starts again whenever a report
 * changes the fraction or the step; the alert clears then, or when the task stops running.
 *
 * A task that never reports progress is not counted: nothing tells a stalled one from one whose
 * agent does not report, and task_duration already covers how long it runs.
 */
export async function taskStalledRule(db: Executor, thresholdS: number): Promise<RuleResult> {
  const found = await overdueTasks(db, {
    state: "running",
    // Null (never counted) until a report in this attempt: the column outlives a retry.
    since: sql`(case when progress_changed_at >= started_at then progress_changed_at end)`,
    thresholdS,
    describe: (name, elapsed) => `task "${name}" has made no progress for ${elapsed}`,
  });
  return { rule: "task_stalled", threshold: thresholdS, valuesFollowClock: true, ...found };
}
