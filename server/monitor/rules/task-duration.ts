import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { overdueTasks } from "./overdue-tasks";
import type { RuleResult } from "./types";

/**
 * task_duration: a running task whose current attempt started more than `thresholdS` ago.
 * A retried attempt starts the clock again; the alert clears when the task stops running.
 */
export async function taskDurationRule(db: Executor, thresholdS: number): Promise<RuleResult> {
  const found = await overdueTasks(db, {
    state: "running",
    since: sql`started_at`,
    thresholdS,
    describe: (name, elapsed) => `task "${name}" has been running for ${elapsed}`,
  });
  return { rule: "task_duration", threshold: thresholdS, valuesFollowClock: true, ...found };
}
