import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { DomainError } from "@/server/errors";
import { recordEvents } from "@/server/events/record";
import { type EndedAttempt, endedColumns, settleEndedAttempts } from "@/server/tasks/settle";
import { lockWorkflow, type WorkflowActor } from "./lock";
import { workflowTransaction } from "./transaction";

export interface CancelWorkflowResult {
  id: string;
  /** Tasks this call cancelled: 0 when the workflow was cancelled already. */
  cancelled: number;
}

/**
 * Cancels every unfinished task of the workflow in one transaction. Running tasks lose their
 * lease at once (their agents' next calls are refused with CONFLICT) and give their resources
 * back. Cancelling a cancelled workflow changes nothing; one that succeeded or failed has
 * nothing left to cancel (CONFLICT). A pause ends with the cancel.
 *
 * Tasks are locked in id order. A claim holding one of them commits first, and its task is then
 * cancelled as running: nothing a claim takes after this transaction's lock escapes it.
 */
export async function cancelWorkflow(
  db: Database,
  id: string,
  reason: string,
  actor: WorkflowActor,
): Promise<CancelWorkflowResult> {
  return workflowTransaction(db, async (tx) => {
    const workflow = await lockWorkflow(tx, id, actor, "cancel");
    const ended = await tx.execute<EndedAttempt>(sql`
      with target as (
        select id, state from tasks
        where workflow_id = ${id} and state in ('blocked', 'queued', 'running')
        order by id for update
      )
      update tasks t set state = 'cancelled', cancel_reason = ${reason}, finished_at = now(),
        lease_expires_at = null, updated_at = now()
      from target
      where t.id = target.id and target.state in ('blocked', 'queued', 'running')
      returning ${endedColumns(sql`target.state`)}`);
    if (ended.length === 0) {
      if (workflow.state === "cancelled") return { id, cancelled: 0 };
      throw new DomainError(
        "CONFLICT",
        `cannot cancel workflow "${workflow.name}": it has ${workflow.state}, no task is left to cancel`,
      );
    }
    await tx.execute(sql`update workflows set paused_at = null, paused_by = null where id = ${id}`);
    await settleEndedAttempts(tx, ended, () => ({ reason, workflowCancelled: true }));
    await recordEvents(tx, [
      {
        kind: "workflow.cancelled",
        workflowId: id,
        data: { reason, cancelled: ended.length, by: actor.tokenId },
      },
    ]);
    return { id, cancelled: ended.length };
  });
}
