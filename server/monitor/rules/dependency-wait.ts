import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { overdueTasks } from "./overdue-tasks";
import type { RuleResult } from "./types";

/**
 * dependency_wait: a task blocked on its dependencies for more than `thresholdS`. A task is
 * blocked only from its submission until its dependencies release it (nothing puts a task back
 * into `blocked`), so the wait counts from `created_at`. A task `waiting` for a signal is not
 * blocked: its wait is its purpose, and wait_timeout covers a wait that lasts too long.
 */
export async function dependencyWaitRule(db: Executor, thresholdS: number): Promise<RuleResult> {
  const found = await overdueTasks(db, {
    state: "blocked",
    since: sql`created_at`,
    thresholdS,
    describe: (name, elapsed) => `task "${name}" has waited on its dependencies for ${elapsed}`,
  });
  return { rule: "dependency_wait", threshold: thresholdS, valuesFollowClock: true, ...found };
}
