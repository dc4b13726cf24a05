import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { mapRows, queryRows } from "@/db/rows";
import { DomainError, notFound } from "@/server/errors";
import { notifyQueue, recordEvents } from "@/server/events/record";
import { readiedEvent, readySet } from "./ready";
import { type EndedAttempt, endedAttempt, endedColumns, settleEndedAttempts } from "./settle";

/**
 * Cancels a task that has not ended. A running task loses its lease at once (its agent's next
 * call is refused) and gives its resources back; dependents follow their trigger rule, as after
 * a failure.
 */
export async function cancelTask(db: Database, taskId: string, reason: string) {
  return db.transaction(async (tx) => {
    const ended = await mapRows(
      tx,
      "cancel a task",
      endedAttempt,
      sql`
      with target as (select id, state from tasks where id = ${taskId} for update)
      update tasks t set state = 'cancelled', cancel_reason = ${reason}, finished_at = now(),
        lease_expires_at = null, wait_deadline = null, updated_at = now()
      from target
      where t.id = target.id and target.state in ('blocked', 'waiting', 'queued', 'running')
      returning ${endedColumns(sql`target.state`)}`,
    );
    if (ended.length === 0) throw await refusal(db, taskId, "cancel");
    await settleEndedAttempts(tx, ended, () => ({ reason }));
    return ended[0];
  });
}

/**
 * Puts a failed or cancelled task back in the queue (or, with a waitFor, back to waiting for
 * its signal, with a new timeout) with a fresh set of attempts. Its own
 * dependencies must still allow it: a task cancelled because its upstream failed is retried by
 * retrying that upstream.
 */
export async function retryTask(db: Database, taskId: string) {
  return db.transaction(async (tx) => {
    const [row] = await queryRows(
      tx,
      "retry a task",
      z.object({
        id: z.string(),
        workflow_id: z.string().nullable(),
        from_state: z.string(),
        state: z.string(),
        wait_signal: z.string().nullable(),
        wait_deadline: z.string().nullable(),
      }),
      sql`
      with target as (select id, state from tasks where id = ${taskId} for update)
      update tasks t set ${readySet()}, attempts = 0, run_at = now(), agent_id = null, error = null, result = null, cancel_reason = null, finished_at = null,
        progress = null, progress_step = null, progress_message = null, updated_at = now()
      from target
      where t.id = target.id and target.state in ('failed', 'cancelled') and t.pending_deps = 0
        and coalesce(t.cancel_reason, '') <> 'upstream_failed'
      returning t.id, t.workflow_id, target.state as from_state, t.state, t.wait_signal,
        t.wait_deadline`,
    );
    if (!row) throw await refusal(db, taskId, "retry");
    await recordEvents(tx, [
      readiedEvent(row, row.from_state as EndedAttempt["state"], { retriedBy: "operator" }),
    ]);
    if (row.state === "queued") await notifyQueue(tx);
    return row;
  });
}

/** Changes the priority of a task that has not started or ended. */
export async function setTaskPriority(db: Database, taskId: string, priority: number) {
  return db.transaction(async (tx) => {
    const [row] = await queryRows(
      tx,
      "change a priority",
      z.object({ id: z.string(), workflow_id: z.string().nullable() }),
      sql`
      update tasks set priority = ${priority}, updated_at = now()
      where id = ${taskId} and state in ('blocked', 'waiting', 'queued')
      returning id, workflow_id`,
    );
    if (!row) throw await refusal(db, taskId, "change the priority of");
    await recordEvents(tx, [
      { kind: "task.priority", taskId: row.id, workflowId: row.workflow_id, data: { priority } },
    ]);
    return { id: row.id, priority };
  });
}

/** NOT_FOUND for an unknown task, CONFLICT naming the state that forbids the change. */
async function refusal(db: Database, taskId: string, verb: string): Promise<DomainError> {
  const [row] = await queryRows(
    db,
    "why a task refused",
    z.object({ state: z.string(), cancel_reason: z.string().nullable() }),
    sql`select state, cancel_reason from tasks where id = ${taskId}`,
  );
  if (!row) return notFound(`task ${taskId}`);
  const why =
    row.cancel_reason === "upstream_failed"
      ? " because an upstream task failed: retry that one"
      : "";
  return new DomainError("CONFLICT", `cannot ${verb} a task that is ${row.state}${why}`);
}
