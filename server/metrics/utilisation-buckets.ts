import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";

export interface BucketGrid {
  /** Start of bucket 0, epoch ms. */
  originMs: number;
  /** End of the range, epoch ms: open allocations count up to here. */
  nowMs: number;
  stepMs: number;
}

const bucketRow = z.object({
  resource: z.string(),
  agent_id: z.string().nullable(),
  bucket: z.number(),
  amount_s: z.number(),
});

/** Key of a series: a pool by name, an agent-scoped resource by agent and name. */
export function seriesKey(resource: string, agentId: string | null): string {
  return agentId === null ? `pool:${resource}` : `agent:${agentId}:${resource}`;
}

/**
 * Amount × seconds held in each bucket of the grid, per series, from the allocation intervals
 * overlapping [origin, now). Only (series, bucket) pairs something was held in come back; the
 * caller zero-fills and divides by the bucket's length.
 */
export async function heldPerBucket(
  db: Executor,
  grid: BucketGrid,
): Promise<Map<string, Map<number, number>>> {
  const origin = new Date(grid.originMs).toISOString();
  const now = new Date(grid.nowMs).toISOString();
  const stepS = grid.stepMs / 1000;
  // Two branches, so each can use an index: open allocations through the partial
  // allocations_open_*_idx, closed ones by released_at (the requested allocations_released_idx;
  // acquired_at alone cannot find an allocation held since before the range). Each interval is
  // then cut only into the buckets it spans (generate_series from its first to its last
  // bucket), never joined against every bucket.
  const rows = await queryRows(
    db,
    "utilisation buckets",
    bucketRow,
    sql`
    with bounds as (
      select ${origin}::timestamptz as origin, ${now}::timestamptz as now_, ${stepS}::float8 as step
    ),
    held as (
      select a.resource, a.agent_id, a.amount, a.acquired_at, b.now_ as released_at
      from allocations a, bounds b
      where a.released_at is null and a.acquired_at < b.now_
      union all
      select a.resource, a.agent_id, a.amount, a.acquired_at, least(a.released_at, b.now_)
      from allocations a, bounds b
      where a.released_at > b.origin and a.acquired_at < b.now_
    ),
    -- Seconds from the origin, clipped to the range, as float8 (date_part, unlike extract since
    -- PostgreSQL 14, is not numeric: numeric math here costs several times more per row). Bucket
    -- edges fall on whole seconds, which float8 holds exactly, so floor/ceil below are exact.
    spans as (
      select h.resource, h.agent_id, h.amount, b.step,
        date_part('epoch', greatest(h.acquired_at, b.origin)) - date_part('epoch', b.origin) as s,
        date_part('epoch', h.released_at) - date_part('epoch', b.origin) as e
      from held h, bounds b
    ),
    pieces as (
      select p.resource, p.agent_id, i.i as bucket,
        p.amount * (least(p.e, (i.i + 1) * p.step) - greatest(p.s, i.i * p.step)) as amount_s
      from spans p
      cross join lateral generate_series(floor(p.s / p.step)::int, ceil(p.e / p.step)::int - 1)
        as i(i)
      where p.e > p.s
    )
    -- A pool is one series whoever holds it; any other resource is one series per agent.
    select p.resource, case when pool.name is null then p.agent_id end as agent_id, p.bucket,
      sum(p.amount_s)::float8 as amount_s
    from pieces p
    left join resources pool on pool.name = p.resource and pool.scope = 'pool'
    group by 1, 2, 3`,
  );
  const bySeries = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const key = seriesKey(row.resource, row.agent_id);
    const buckets = bySeries.get(key) ?? new Map<number, number>();
    buckets.set(row.bucket, row.amount_s);
    bySeries.set(key, buckets);
  }
  return bySeries;
}
