import postgres from "postgres";

/** Tables a throughput drain writes, whose autovacuum runs it may overlap. */
const DRAIN_TABLES = ["tasks", "task_events", "task_dependencies", "workflows"];

/**
 * Autovacuum's finished runs by table and kind (`tasks vacuum`) and the checkpoints done
 * (`checkpoint`), and the autovacuum runs going on now.
 */
export interface MaintenanceSnapshot {
  runs: Map<string, number>;
  /** `autovacuum: VACUUM public.tasks`: runs not yet counted. */
  running: string[];
}

/**
 * What autovacuum has done to the tables a drain writes, and the checkpoints. On a million rows
 * one autovacuum run costs seconds of the two cores, and a checkpoint makes the pages a drain
 * touches first cost a full-page image each, so a drain they overlap says so in its detail
 * (`maintenanceBetween`). Needs PostgreSQL 18 (`pg_stat_checkpointer.num_done`): the bench's
 * embedded one.
 */
export async function maintenanceSnapshot(url: string): Promise<MaintenanceSnapshot> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const counts = await sql<{ table: string; vacuums: number; analyzes: number }[]>`
      select relname as table, autovacuum_count::int as vacuums, autoanalyze_count::int as analyzes
      from pg_stat_user_tables where relname = any(${DRAIN_TABLES})`;
    const running = await sql<{ query: string }[]>`
      select query from pg_stat_activity where backend_type = 'autovacuum worker'`;
    // After a checkpoint each page's first change writes the whole page to the WAL.
    const [checkpoints] = await sql<{ done: number }[]>`
      select num_done::int as done from pg_stat_checkpointer`;
    return {
      runs: new Map([
        ...counts.flatMap((row): [string, number][] => [
          [`${row.table} vacuum`, row.vacuums],
          [`${row.table} analyze`, row.analyzes],
        ]),
        ["checkpoint", checkpoints?.done ?? 0],
      ]),
      running: running.map((row) => row.query),
    };
  } finally {
    await sql.end();
  }
}

/** The runs that ended between two snapshots (only those that happened), and any still running. */
export function maintenanceBetween(
  before: MaintenanceSnapshot,
  after: MaintenanceSnapshot,
): { ended: Record<string, number>; running?: string[] } {
  const ended: Record<string, number> = {};
  for (const [key, count] of after.runs) {
    const added = count - (before.runs.get(key) ?? 0);
    if (added > 0) ended[key] = added;
  }
  return after.running.length > 0 ? { ended, running: after.running } : { ended };
}
