import { type SQL, sql } from "drizzle-orm";
import type { Transaction } from "@/db/client";
import { mapRows } from "@/db/rows";
import { type EndedAttempt, endedAttempt, endedColumns } from "./settle";

/**
 * Cancels every blocked, waiting, queued or running task that `scope` (a condition on `tasks`) selects,
 * and returns the ended attempts for `settleEndedAttempts`. Tasks are locked in id order, the
 * lock order of every whole-run operation, so two of them cannot deadlock; a claim holding one
 * commits first, and its task is then cancelled as running.
 */
export async function cancelUnfinishedTasks(
  tx: Transaction,
  scope: SQL,
  reason: string,
): Promise<EndedAttempt[]> {
  const ended = await mapRows(
    tx,
    "cancel unfinished tasks",
    endedAttempt,
    sql`
    with target as (
      select id, state from tasks
      where ${scope} and state in ('blocked', 'waiting', 'queued', 'running')
      order by id for update
    )
    update tasks t set state = 'cancelled', cancel_reason = ${reason}, finished_at = now(),
      lease_expires_at = null, wait_deadline = null, updated_at = now()
    from target
    where t.id = target.id and target.state in ('blocked', 'waiting', 'queued', 'running')
    returning ${endedColumns(sql`target.state`)}`,
  );
  return [...ended];
}
