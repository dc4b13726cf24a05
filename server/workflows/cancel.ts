import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { DomainError } from "@/server/errors";
import { recordEvents } from "@/server/events/record";
import { cancelUnfinishedTasks } from "@/server/tasks/cancel-unfinished";
import { settleEndedAttempts } from "@/server/tasks/settle";
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
 * Nothing a claim takes after this transaction's locks escapes it (cancelUnfinishedTasks).
 */
export async function cancelWorkflow(
  db: Database,
  id: string,
  reason: string,
  actor: WorkflowActor,
): Promise<CancelWorkflowResult> {
  return workflowTransaction(db, async (tx) => {
    const workflow = await lockWorkflow(tx, id, actor, "cancel");
    const ended = await cancelUnfinishedTasks(tx, sql`workflow_id = ${id}`, reason);
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
