import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

/** The rollup's time-bucketed tables and their time column; task_type_totals is never pruned. */
const BUCKETED_TABLES = [
  ["task_rollup", "bucket"],
  ["agent_rollup", "bucket"],
  ["queue_depth_samples", "minute"],
] as const;

/**
 * Deletes rollup buckets older than `days`, `batch` rows per statement (by ctid: these tables
 * have no id), at most `maxBatches` statements per table.
 */
export async function pruneRollup(
  db: Database,
  params: { days: number; batch: number; maxBatches: number },
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  let more = false;
  for (const [name, column] of BUCKETED_TABLES) {
    const table = sql.raw(name);
    const time = sql.raw(column);
    for (let i = 0; ; i++) {
      if (i === params.maxBatches) {
        more = true;
        break;
      }
      const result = await db.execute(sql`
        delete from ${table} where ctid = any(array(
          select ctid from ${table}
          where ${time} < now() - ${params.days}::float8 * interval '1 day'
          limit ${params.batch} for update skip locked))`);
      deleted += result.count;
      if (result.count < params.batch) break;
    }
  }
  return { deleted, more };
}
