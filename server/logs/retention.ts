import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

export interface PruneLogsParams {
  logsDays: number;
  batch: number;
  maxBatches: number;
}

/**
 * Deletes log lines stored more than `logsDays` ago, `batch` rows per statement (each its own
 * short transaction), then the state rows of logs nobody appended to since. Old lines sit
 * together at the start of the table in logged_at order, so the BRIN index (or a plain scan
 * from the first page) finds them without touching the recent ones appends are writing.
 */
export async function pruneTaskLogs(
  db: Database,
  params: PruneLogsParams,
): Promise<{ deleted: number; more: boolean }> {
  const cutoff = sql`now() - ${params.logsDays}::float8 * interval '1 day'`;
  let deleted = 0;
  for (let i = 0; i < params.maxBatches; i++) {
    const result = await db.execute(sql`
      delete from task_logs where ctid = any(array(
        select ctid from task_logs where logged_at < ${cutoff}
        limit ${params.batch} for update skip locked))`);
    deleted += result.count;
    if (result.count < params.batch) {
      // A log whose last append is older than its lines' retention has no lines left. Only
      // looked for when lines went: the table has a row per logging task and no index to spare.
      if (deleted > 0)
        await db.execute(sql`
        delete from task_log_state where ctid = any(array(
          select ctid from task_log_state where updated_at < ${cutoff}
          limit ${params.batch} for update skip locked))`);
      return { deleted, more: false };
    }
  }
  return { deleted, more: true };
}
