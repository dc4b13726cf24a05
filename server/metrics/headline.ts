import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";

export type Headline = {
  running: number;
  queued: number;
  /** Waiting for a signal (an approval, an outside event). */
  waiting: number;
  blocked: number;
  /** Tasks that failed for good in the last hour (retried attempts are not counted). */
  failedLastHour: number;
  /** Tasks that succeeded or failed in the last 5 minutes, per minute. */
  throughputPerMinute: number;
};

const THROUGHPUT_MINUTES = 5;

/**
 * The wall screen's figures, in one round trip. Cancellations are left out of throughput: a
 * cascade can cancel a whole workflow at once, and that is not work done.
 */
export async function headline(db: Executor): Promise<Headline> {
  // Each count is meant to be bounded by an index: live states by tasks_state_created_idx (state
  // leads), the time windows by an index on finished_at, which the schema lacks so far
  // (requested: tasks_finished_idx; until then these two counts scan tasks).
  const [row] = await queryRows(
    db,
    "headline counts",
    z.object({
      running: z.number(),
      queued: z.number(),
      waiting: z.number(),
      blocked: z.number(),
      failedLastHour: z.number(),
      throughputPerMinute: z.number(),
    }),
    sql`
    select
      (select count(*) from tasks where state = 'running')::int as "running",
      (select count(*) from tasks where state = 'queued')::int as "queued",
      (select count(*) from tasks where state = 'waiting')::int as "waiting",
      (select count(*) from tasks where state = 'blocked')::int as "blocked",
      (select count(*) from tasks
        where state = 'failed' and finished_at > now() - interval '1 hour')::int as "failedLastHour",
      (select count(*) from tasks
        where state in ('succeeded', 'failed')
          and finished_at > now() - make_interval(mins => ${THROUGHPUT_MINUTES})
      )::float8 / ${THROUGHPUT_MINUTES} as "throughputPerMinute"`,
  );
  if (!row) throw new Error("headline: the query returned no row");
  return row;
}
