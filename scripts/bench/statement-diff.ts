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
}

export type StatementSnapshot = Map<string, StatementStats>;

/**
 * The statements run since the last pg_stat_statements reset, keyed by query id, added into
 * `into` (a phase of several drains sums them). Every connection to the database counts: the
 * agents' calls and the server's timers (sweeps, metrics, alerts, rollup, retention) alike.
 */
export async function addStatements(url: string, into: StatementSnapshot): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<
      {
        id: string;
        query: string;
        calls: number;
        total: number;
        rows: number;
        hit: number;
        read: number;
      }[]
    >`
      select queryid::text as id, query, calls::float8 as calls,
        total_exec_time::float8 as total, rows::float8 as rows,
        shared_blks_hit::float8 as hit, shared_blks_read::float8 as read
      from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())
        and query not ilike '%pg_stat_statements%'`;
    for (const row of rows) {
      const known = into.get(row.id);
      into.set(row.id, {
        query: row.query,
        calls: (known?.calls ?? 0) + row.calls,
        totalMs: (known?.totalMs ?? 0) + row.total,
        rows: (known?.rows ?? 0) + row.rows,
        sharedHit: (known?.sharedHit ?? 0) + row.hit,
        sharedRead: (known?.sharedRead ?? 0) + row.read,
      });
    }
  } finally {
    await sql.end();
  }
}

/**
 * Two phases' statements side by side, as `# pg a|b:` lines: the statements that took the most
 * time in either, each with its total, calls, mean and shared blocks (hit/read) per call in
 * both, and first the sum over all statements per task drained. A statement only one phase ran
 * shows `-` for the other.
 */
export function logStatementComparison(
  labels: [string, string],
  phases: [StatementSnapshot, StatementSnapshot],
  tasks: [number, number],
  limit = 20,
): void {
  const [a, b] = phases;
  const sum = (phase: StatementSnapshot) => {
    let totalMs = 0;
    let calls = 0;
    for (const stats of phase.values()) {
      totalMs += stats.totalMs;
      calls += stats.calls;
    }
    return { totalMs, calls };
  };
  const [sumA, sumB] = [sum(a), sum(b)];
  const perTask = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(0)} µs/task`;
  log(
    `pg ${labels[0]} | ${labels[1]}: all statements ${sumA.totalMs.toFixed(0)} ms (${perTask(sumA.totalMs, tasks[0])}, ${sumA.calls} calls) | ${sumB.totalMs.toFixed(0)} ms (${perTask(sumB.totalMs, tasks[1])}, ${sumB.calls} calls)`,
  );
  const ids = [...new Set([...a.keys(), ...b.keys()])];
  // Ranked by the larger of the two per-task times, so a statement only one phase made costly
  // still shows.
  const weight = (id: string) =>
    Math.max((a.get(id)?.totalMs ?? 0) / tasks[0], (b.get(id)?.totalMs ?? 0) / tasks[1]);
  ids.sort((x, y) => weight(y) - weight(x));
  const cell = (stats: StatementStats | undefined, n: number) => {
    if (!stats) return "-";
    const per = (value: number) => (value / stats.calls).toFixed(1);
    return `${stats.totalMs.toFixed(0)} ms (${perTask(stats.totalMs, n)}), ${stats.calls} calls, ${(stats.totalMs / stats.calls).toFixed(2)} ms mean, ${per(stats.sharedHit)} hit ${per(stats.sharedRead)} read/call`;
  };
  for (const id of ids.slice(0, limit)) {
    const stats = b.get(id) ?? a.get(id);
    const query = (stats?.query ?? "").replace(/\s+/g, " ").slice(0, 200);
    log(
      `pg ${labels[0]} | ${labels[1]}: ${cell(a.get(id), tasks[0])} | ${cell(b.get(id), tasks[1])}: ${query}`,
    );
  }
}
