import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";

export const QUANTILES = [0.5, 0.9, 0.99] as const;

export interface DurationParams {
  /** Tasks that finished (succeeded or failed) within the last this many minutes. */
  sinceMinutes: number;
}

/** Seconds; null when no task of the type has the two timestamps. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface TypeDurations {
  type: string;
  /** Finished tasks of this type in the window. */
  count: number;
  /** started_at − queued_at of their last attempt (queued_at restarts at each retry). */
  queueWait: Percentiles;
  /** finished_at − started_at of their last attempt. */
  runTime: Percentiles;
}

const percentilesColumn = z.array(z.number().nullable()).nullable();
const durationRow = z.object({
  type: z.string(),
  count: z.number(),
  queue_wait: percentilesColumn,
  run_time: percentilesColumn,
});

/**
 * Queue wait and run time percentiles per task type (continuous, interpolated). Cancelled
 * tasks are left out: their run was cut short, or never happened, which would skew both.
 */
export async function durationPercentiles(
  db: Executor,
  params: DurationParams,
): Promise<TypeDurations[]> {
  const quantiles = sql.raw(`array[${QUANTILES.join(",")}]::float8[]`);
  const rows = await queryRows(
    db,
    "duration percentiles",
    durationRow,
    sql`
    select t.type, count(*)::int as count,
      percentile_cont(${quantiles}) within group (
        order by extract(epoch from t.started_at - t.queued_at)::float8) as queue_wait,
      percentile_cont(${quantiles}) within group (
        order by extract(epoch from t.finished_at - t.started_at)::float8) as run_time
    from tasks t
    where t.finished_at > now() - make_interval(mins => ${params.sinceMinutes})
      and t.state in ('succeeded', 'failed') and t.started_at is not null
    group by t.type
    order by t.type`,
  );
  return rows.map((row) => ({
    type: row.type,
    count: row.count,
    queueWait: percentiles(row.queue_wait),
    runTime: percentiles(row.run_time),
  }));
}

function percentiles(values: (number | null)[] | null): Percentiles {
  return { p50: values?.[0] ?? null, p90: values?.[1] ?? null, p99: values?.[2] ?? null };
}
