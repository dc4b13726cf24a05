import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Transaction } from "@/db/client";
import { queryRows } from "@/db/rows";
import { bucketIndexSql } from "./histogram";
import { bucketStartSql } from "./rollup";

/** Events past the watermark read live at most: beyond that the rollup is behind, not the page. */
export const TAIL_LIMIT = 100_000;

/** Counts per chart bucket (`at`, epoch ms) and type. */
const countCell = z.object({
  at: z.number(),
  type: z.string(),
  started: z.number(),
  succeeded: z.number(),
  failed: z.number(),
});
export type CountCell = z.output<typeof countCell>;
/** Histogram counts per chart bucket, or per type, of one duration bucket. */
const histCell = z.object({
  key: z.union([z.number(), z.string()]),
  bucket: z.number(),
  count: z.number(),
});
export type HistCell = z.output<typeof histCell>;
const agentCell = z.object({ agentId: z.string(), started: z.number(), finished: z.number() });
export type AgentCell = z.output<typeof agentCell>;

export interface Cells {
  counts: CountCell[];
  /** Wait time per chart bucket (key: `at`). */
  waitByAt: HistCell[];
  /** Run time per type (key: type). */
  runByType: HistCell[];
  agents: AgentCell[];
}

const epochMsOf = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;

/** The rollup's buckets of this step since `fromMs`, summed over the range where needed. */
export async function rollupCells(tx: Transaction, fromMs: number, stepMs: number): Promise<Cells> {
  const rows = sql`(select * from task_rollup
    where step_s = ${stepMs / 1000} and bucket >= to_timestamp(${fromMs / 1000}::float8))`;
  const counts = await queryRows(
    tx,
    "rollup counts",
    countCell,
    sql`
    select ${epochMsOf(sql`bucket`)} as at, type, started, succeeded, failed from ${rows} r`,
  );
  const waitByAt = await queryRows(
    tx,
    "rollup wait histograms",
    histCell,
    sql`
    select r.at as key, u.i::int - 1 as bucket, sum(u.c)::float8 as count
    from (select ${epochMsOf(sql`bucket`)} as at, wait_hist from ${rows} r0 where started > 0) r
    cross join lateral unnest(r.wait_hist) with ordinality u(c, i)
    where u.c > 0 group by 1, 2`,
  );
  const runByType = await queryRows(
    tx,
    "rollup run histograms",
    histCell,
    sql`
    select r.type as key, u.i::int - 1 as bucket, sum(u.c)::float8 as count
    from ${rows} r cross join lateral unnest(r.run_hist) with ordinality u(c, i)
    where r.succeeded + r.failed > 0 and u.c > 0 group by 1, 2`,
  );
  const agents = await queryRows(
    tx,
    "rollup agents",
    agentCell,
    sql`
    select agent_id as "agentId", sum(started)::int as started, sum(finished)::int as finished
    from agent_rollup
    where step_s = ${stepMs / 1000} and bucket >= to_timestamp(${fromMs / 1000}::float8)
    group by 1`,
  );
  return {
    counts: [...counts],
    waitByAt: [...waitByAt],
    runByType: [...runByType],
    agents: [...agents],
  };
}

const tailRow = z.object({
  at: z.number(),
  type: z.string(),
  kind: z.string(),
  agent_id: z.string().nullable(),
  wb: z.number().nullable(),
  rb: z.number().nullable(),
  n: z.number(),
});

/**
 * The events after the watermark (at most TAIL_LIMIT), as the rollup would count them: the
 * charts are exact up to the last event, whenever the sweep last ran.
 */
export async function tailCells(
  tx: Transaction,
  afterId: number,
  fromMs: number,
  stepMs: number,
): Promise<Cells> {
  const rows = await queryRows(
    tx,
    "tail cells",
    tailRow,
    sql`
    with ev as (
      select ${bucketStartSql(sql`e.created_at`, stepMs / 1000)} as bucket,
        coalesce(t.type, 'unknown') as type,
        e.kind, e.agent_id,
        case when e.kind = 'task.started' and t.queued_at <= e.created_at
          then extract(epoch from e.created_at - t.queued_at)::float8 * 1000 end as wait_ms,
        case when e.kind <> 'task.started' and t.started_at <= e.created_at
          then extract(epoch from e.created_at - t.started_at)::float8 * 1000 end as run_ms
      from (select * from task_events where id > ${afterId} order by id limit ${TAIL_LIMIT}) e
      left join tasks t on t.id = e.task_id
      where e.kind in ('task.started', 'task.succeeded', 'task.failed')
        and e.created_at >= to_timestamp(${fromMs / 1000}::float8)
    )
    select ${epochMsOf(sql`bucket`)} as at, type, kind, agent_id,
      ${bucketIndexSql(sql`wait_ms`)} as wb, ${bucketIndexSql(sql`run_ms`)} as rb,
      count(*)::int as n
    from ev group by 1, 2, 3, 4, 5, 6`,
  );
  const counts = new Map<string, CountCell>();
  const agents = new Map<string, AgentCell>();
  const cells: Cells = { counts: [], waitByAt: [], runByType: [], agents: [] };
  for (const row of rows) {
    const key = `${row.at}\u0000${row.type}`;
    let cell = counts.get(key);
    if (!cell) {
      cell = { at: row.at, type: row.type, started: 0, succeeded: 0, failed: 0 };
      counts.set(key, cell);
    }
    const started = row.kind === "task.started";
    if (started) cell.started += row.n;
    else if (row.kind === "task.succeeded") cell.succeeded += row.n;
    else cell.failed += row.n;
    if (row.wb !== null) cells.waitByAt.push({ key: row.at, bucket: row.wb, count: row.n });
    if (row.rb !== null) cells.runByType.push({ key: row.type, bucket: row.rb, count: row.n });
    if (row.agent_id) {
      const agent = agents.get(row.agent_id) ?? { agentId: row.agent_id, started: 0, finished: 0 };
      if (started) agent.started += row.n;
      else agent.finished += row.n;
      agents.set(row.agent_id, agent);
    }
  }
  cells.counts = [...counts.values()];
  cells.agents = [...agents.values()];
  return cells;
}
