import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import type { TaskState } from "@/lib/tasks/states";

export type TaskCounts = Record<TaskState, number>;

/** How many tasks are in each state; every state is present, 0 when none. */
export async function taskCountsByState(db: Executor): Promise<TaskCounts> {
  // One count per state instead of a GROUP BY over the whole table: each is an index-only scan
  // of tasks_state_created_idx (state leads), so the live states (blocked, queued, running) stay
  // cheap however long the finished history grows, and missing states come back as 0.
  const rows = await queryRows(
    db,
    "task counts by state",
    z.object({ state: z.enum(taskStateEnum.enumValues), count: z.number() }),
    sql`
    select s.state, (select count(*) from tasks t where t.state = s.state)::int as count
    from unnest(enum_range(null::task_state)) as s(state)`,
  );
  const counts = Object.fromEntries(taskStateEnum.enumValues.map((s) => [s, 0])) as TaskCounts;
  for (const row of rows) counts[row.state] = row.count;
  return counts;
}
