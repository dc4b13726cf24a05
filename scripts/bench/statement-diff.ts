import postgres from "postgres";
import { log } from "./stats";

/** One statement's pg_stat_statements counters, summed over the snapshots of a phase. */
export interface StatementStats {
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
  sharedHit: number;
  sharedRead: number;
  sharedDirtied: number;
  /** Pages this statement's backend wrote out itself to free a buffer. */
  sharedWritten: number;
  walFpi: number;
  walBytes: number;
}

type Counters = Omit<StatementStats, "query">;

/** Per statement (query id), and per table or index (`rel:` + name) block reads. */
export type StatementSnapshot = Map<string, StatementStats>;

const COUNTERS: (keyof Counters)[] = [
  "calls",
  "totalMs",
  "rows",
  "sharedHit",
  "sharedRead",
  "sharedDirtied",
  "sharedWritten",
  "walFpi",
  "walBytes",
];

function add(into: StatementSnapshot, id: string, query: string, row: Counters, sign = 1) {
  const known = into.get(id);
  const next = { query } as StatementStats;
  for (const key of COUNTERS) next[key] = (known?.[key] ?? 0) + sign * row[key];
  into.set(id, next);
}

/**
 * Blocks each table and index of the database read (`sharedRead`) and found in shared buffers
 * (`sharedHit`) so far, from pg_statio: no reset, so a phase is `after - before`.
 */
export async function relationBlocks(url: string): Promise<StatementSnapshot> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ name: string; hit: number; read: number }[]>`
      select 'table ' || relname as name, coalesce(heap_blks_hit, 0)::float8 as hit,
        coalesce(heap_blks_read, 0)::float8 as read
      from pg_statio_user_tables
      union all
      select 'index ' || indexrelname, idx_blks_hit::float8, idx_blks_read::float8
      from pg_statio_user_indexes`;
    const snapshot: StatementSnapshot = new Map();
    for (const row of rows)
      add(snapshot, `rel:${row.name}`, row.name, {
        ...Object.fromEntries(COUNTERS.map((key) => [key, 0])),
        calls: 1,
        sharedHit: row.hit,
        sharedRead: row.read,
      } as Counters);
    return snapshot;
  } finally {
    await sql.end();
  }
}

/** Adds `after - before` of two relationBlocks snapshots into `into`. */
export function addRelationDelta(
  into: StatementSnapshot,
  before: StatementSnapshot,
  after: StatementSnapshot,
): void {
  for (const [id, stats] of after) {
    add(into, id, stats.query, { ...stats, calls: 0 });
    const earlier = before.get(id);
    if (earlier) add(into, id, stats.query, { ...earlier, calls: 0 }, -1);
  }
}

/**
 * The statements run since the last pg_stat_statements reset, keyed by query id, added into
 * `into` (a phase of several drains sums them). Every connection to the database counts: the
 * agents' calls and the server's timers (sweeps, metrics, alerts, rollup, retention) alike.
 */
export async function addStatements(url: string, into: StatementSnapshot): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<(Counters & { id: string; query: string })[]>`
      select queryid::text as id, query, calls::float8 as "calls",
        total_exec_time::float8 as "totalMs", rows::float8 as "rows",
        shared_blks_hit::float8 as "sharedHit", shared_blks_read::float8 as "sharedRead",
        shared_blks_dirtied::float8 as "sharedDirtied",
        shared_blks_written::float8 as "sharedWritten",
        wal_fpi::float8 as "walFpi", wal_bytes::float8 as "walBytes"
      from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())
        and query not ilike '%pg_stat_statements%'`;
    for (const row of rows) add(into, row.id, row.query, row);
  } finally {
    await sql.end();
  }
}

/**
 * Two phases' statements side by side, as `# pg a|b:` lines: the statements that took the most
 * time in either, each with its total, calls, mean, and per call the shared blocks hit, read,
 * dirtied and written by the backend, and WAL full-page images and kB; first the sum over all
 * statements per task drained. A statement only one phase ran shows `-` for the other. Then,
 * as `# blocks a|b:` lines, the tables and indexes that read the most blocks into shared
 * buffers in either phase.
 */
export function logStatementComparison(
  labels: [string, string],
  phases: [StatementSnapshot, StatementSnapshot],
  tasks: [number, number],
  limit = 20,
): void {
  const [a, b] = phases;
  const name = `${labels[0]} | ${labels[1]}`;
  const isRelation = (id: string) => id.startsWith("rel:");
  const sum = (phase: StatementSnapshot) => {
    const total = Object.fromEntries(COUNTERS.map((key) => [key, 0])) as Counters;
    for (const [id, stats] of phase)
      if (!isRelation(id)) for (const key of COUNTERS) total[key] += stats[key];
    return total;
  };
  const perTask = (value: number, n: number) => ((value / n) * 1000).toFixed(0);
  const totals = (phase: StatementSnapshot, n: number) => {
    const total = sum(phase);
    return `${total.totalMs.toFixed(0)} ms (${perTask(total.totalMs, n)} µs/task), ${total.calls} calls, per task ${(total.sharedRead / n).toFixed(2)} read ${(total.sharedDirtied / n).toFixed(2)} dirtied ${(total.sharedWritten / n).toFixed(2)} written ${(total.walFpi / n).toFixed(2)} fpi ${(total.walBytes / n).toFixed(0)} WAL bytes`;
  };
  log(`pg ${name}: all statements ${totals(a, tasks[0])} | ${totals(b, tasks[1])}`);
  const statements = [...new Set([...a.keys(), ...b.keys()])].filter((id) => !isRelation(id));
  // Ranked by the larger of the two per-task times, so a statement only one phase made costly
  // still shows.
  const weight = (id: string) =>
    Math.max((a.get(id)?.totalMs ?? 0) / tasks[0], (b.get(id)?.totalMs ?? 0) / tasks[1]);
  statements.sort((x, y) => weight(y) - weight(x));
  const cell = (stats: StatementStats | undefined, n: number) => {
    if (!stats || stats.calls === 0) return "-";
    const per = (value: number) => (value / stats.calls).toFixed(1);
    return `${stats.totalMs.toFixed(0)} ms (${perTask(stats.totalMs, n)} µs/task), ${stats.calls} calls, ${(stats.totalMs / stats.calls).toFixed(2)} ms mean; per call ${per(stats.sharedHit)} hit ${per(stats.sharedRead)} read ${per(stats.sharedDirtied)} dirtied ${per(stats.sharedWritten)} written ${per(stats.walFpi)} fpi ${(stats.walBytes / stats.calls / 1024).toFixed(1)} WAL kB`;
  };
  for (const id of statements.slice(0, limit)) {
    const stats = b.get(id) ?? a.get(id);
    const query = (stats?.query ?? "").replace(/\s+/g, " ").slice(0, 200);
    log(`pg ${name}: ${cell(a.get(id), tasks[0])} | ${cell(b.get(id), tasks[1])}: ${query}`);
  }
  const relations = [...new Set([...a.keys(), ...b.keys()])].filter(isRelation);
  const reads = (id: string) => Math.max(a.get(id)?.sharedRead ?? 0, b.get(id)?.sharedRead ?? 0);
  relations.sort((x, y) => reads(y) - reads(x));
  const blocks = (stats: StatementStats | undefined) =>
    stats ? `${stats.sharedRead} read ${stats.sharedHit} hit` : "-";
  for (const id of relations.slice(0, 12)) {
    if (reads(id) === 0) break;
    log(`blocks ${name}: ${blocks(a.get(id))} | ${blocks(b.get(id))}: ${id.slice(4)}`);
  }
}
