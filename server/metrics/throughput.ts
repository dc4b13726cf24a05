import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { epochMs, isoFromMs } from "./time";

/** The ends a task can come to; each finished task sets `finished_at` once. */
export const OUTCOMES = ["succeeded", "failed", "cancelled"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ThroughputParams {
  /** How many one-minute buckets, the current (partial) minute included. */
  sinceMinutes: number;
}

export interface ThroughputPoint extends Record<Outcome, number> {
  /** Start of the minute, ISO 8601 (UTC). */
  at: string;
}

const minuteRow = z.object({
  at_ms: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  cancelled: z.number(),
});

/**
 * Tasks finished per minute, by outcome, oldest first, one point per minute even when nothing
 * finished (zero-filled by generate_series, so a chart's x axis never has holes).
 */
export async function throughputPerMinute(
  db: Executor,
  params: ThroughputParams,
): Promise<ThroughputPoint[]> {
  // Tasks are aggregated per minute first (one range scan on finished_at once the requested
  // tasks_finished_idx exists), then joined to the minutes: at most one row per minute each.
  const rows = await queryRows(
    db,
    "throughput per minute",
    minuteRow,
    sql`
    with bounds as (
      select date_trunc('minute', now()) as last,
        date_trunc('minute', now()) - make_interval(mins => ${params.sinceMinutes - 1}) as first
    ),
    finished as (
      select date_trunc('minute', t.finished_at) as minute,
        count(*) filter (where t.state = 'succeeded')::int as succeeded,
        count(*) filter (where t.state = 'failed')::int as failed,
        count(*) filter (where t.state = 'cancelled')::int as cancelled
      from tasks t, bounds b
      where t.finished_at >= b.first and t.state in ('succeeded', 'failed', 'cancelled')
      group by 1
    )
    select ${epochMs(sql`m.minute`)} as at_ms,
      coalesce(f.succeeded, 0) as succeeded, coalesce(f.failed, 0) as failed,
      coalesce(f.cancelled, 0) as cancelled
    from bounds b
    cross join generate_series(b.first, b.last, interval '1 minute') as m(minute)
    left join finished f on f.minute = m.minute
    order by m.minute`,
  );
  return rows.map((row) => ({
    at: isoFromMs(row.at_ms),
    succeeded: row.succeeded,
    failed: row.failed,
    cancelled: row.cancelled,
  }));
}

/**
 * Tasks finished per minute by outcome, averaged over exactly the last `minutes` (not aligned
 * to minute boundaries, unlike the chart's buckets): the wall screen's and Prometheus' rate.
 */
export async function recentThroughput(
  db: Executor,
  params: { minutes: number },
): Promise<Record<Outcome, number>> {
  const [row] = await queryRows(
    db,
    "recent throughput",
    z.object({ succeeded: z.number(), failed: z.number(), cancelled: z.number() }),
    sql`
    select
      count(*) filter (where t.state = 'succeeded')::float8 / ${params.minutes} as succeeded,
      count(*) filter (where t.state = 'failed')::float8 / ${params.minutes} as failed,
      count(*) filter (where t.state = 'cancelled')::float8 / ${params.minutes} as cancelled
    from tasks t
    where t.finished_at > now() - make_interval(mins => ${params.minutes})
      and t.state in ('succeeded', 'failed', 'cancelled')`,
  );
  return {
    succeeded: row?.succeeded ?? 0,
    failed: row?.failed ?? 0,
    cancelled: row?.cancelled ?? 0,
  };
}
