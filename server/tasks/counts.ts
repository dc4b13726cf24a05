import { and, count } from "drizzle-orm";
import type { z } from "zod";
import type { Executor } from "@/db/client";
import { taskStateEnum, tasks } from "@/db/schema/tasks";
import { type TaskCounts, taskCountsByState } from "@/server/metrics/task-counts";
import { listTasksInput, taskFilterConditions } from "./queries";

/** `tasks.counts` filters: those of `tasks.list` but state (counted per state) and paging. */
export const countTasksInput = listTasksInput
  .unwrap()
  .pick({ type: true, agentId: true, workflowId: true, text: true })
  .prefault({});

export type CountTasksParams = z.input<typeof countTasksInput>;

/**
 * How many tasks are in each state among those matching the filters: the board's column
 * headers. Every state is present, 0 when none.
 */
export async function countTasks(db: Executor, input: CountTasksParams): Promise<TaskCounts> {
  const params = countTasksInput.parse(input);
  const conditions = taskFilterConditions(params).filter((c) => c !== undefined);
  // Unfiltered, one index-only count per state stays cheap however long the history grows.
  if (conditions.length === 0) return taskCountsByState(db);
  const rows = await db
    .select({ state: tasks.state, count: count() })
    .from(tasks)
    .where(and(...conditions))
    .groupBy(tasks.state);
  const counts = Object.fromEntries(taskStateEnum.enumValues.map((s) => [s, 0])) as TaskCounts;
  for (const row of rows) counts[row.state] = row.count;
  return counts;
}
