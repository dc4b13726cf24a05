import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import { isTerminal } from "@/lib/tasks/states";

/**
 * The states a queue-depth chart shows: every unfinished state of the enum, in its order, so
 * a state added to the enum appears without a change here.
 */
export const QUEUE_DEPTH_STATES = taskStateEnum.enumValues.filter((state) => !isTerminal(state));

const statesArray = () => sql`${sql.param(QUEUE_DEPTH_STATES)}::task_state[]`;

/** Tasks in each unfinished state now, zeros included (reads tasks_state_created_idx). */
export async function queueDepthNow(db: Executor): Promise<Record<string, number>> {
  const rows = await queryRows(
    db,
    "queue depth now",
    z.object({ state: z.string(), count: z.number() }),
    sql`
    select s.state::text as state, coalesce(c.n, 0)::int as count
    from unnest(${statesArray()}) as s(state)
    left join (select state, count(*) as n from tasks where state = any(${statesArray()})
      group by state) c on c.state = s.state`,
  );
  return Object.fromEntries(rows.map((row) => [row.state, row.count]));
}

/**
 * Records this minute's sample, unless one exists: the first instance to sample a minute wins,
 * so a second leader (or a manual pass) writes nothing.
 */
export async function sampleQueueDepth(db: Executor): Promise<boolean> {
  const result = await db.execute(sql`
    insert into queue_depth_samples (minute, state, count)
    select date_trunc('minute', now()), s.state, coalesce(c.n, 0)
    from unnest(${statesArray()}) as s(state)
    left join (select state, count(*) as n from tasks where state = any(${statesArray()})
      group by state) c on c.state = s.state
    on conflict do nothing`);
  return result.count > 0;
}
