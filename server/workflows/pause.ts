import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/rows";
import { DomainError } from "@/server/errors";
import { notifyQueue, recordEvents } from "@/server/events/record";
import { isoTime } from "@/server/tasks/sql";
import { lockWorkflow, type WorkflowActor } from "./lock";
import { workflowTransaction } from "./transaction";

export interface PauseResult {
  id: string;
  /** ISO 8601 while paused; null once resumed. */
  pausedAt: string | null;
}

/**
 * Stops claims from taking the workflow's tasks (server/tasks/claim.ts); running tasks finish.
 * Pausing a paused workflow keeps the first pause's time; a finished one cannot be paused.
 */
export async function pauseWorkflow(
  db: Database,
  id: string,
  actor: WorkflowActor,
): Promise<PauseResult> {
  return workflowTransaction(db, async (tx) => {
    const workflow = await lockWorkflow(tx, id, actor, "pause");
    if (workflow.pausedAt !== null && workflow.state === "paused")
      return { id, pausedAt: workflow.pausedAt };
    if (workflow.state !== "running") {
      throw new DomainError(
        "CONFLICT",
        `cannot pause workflow "${workflow.name}": it has ${workflow.state}, no task is left to run`,
      );
    }
    const [row] = await queryRows(
      tx,
      "pause workflow",
      z.object({ paused_at: z.string() }),
      sql`
      update workflows set paused_at = now(), paused_by = ${actor.tokenId} where id = ${id}
      returning ${isoTime(sql`paused_at`)} as paused_at`,
    );
    await recordEvents(tx, [
      { kind: "workflow.paused", workflowId: id, data: { by: actor.tokenId } },
    ]);
    return { id, pausedAt: row?.paused_at ?? null };
  });
}

/** Lets claims take the workflow's tasks again. Resuming one that is not paused changes nothing. */
export async function resumeWorkflow(
  db: Database,
  id: string,
  actor: WorkflowActor,
): Promise<PauseResult> {
  return workflowTransaction(db, async (tx) => {
    const workflow = await lockWorkflow(tx, id, actor, "resume");
    if (workflow.pausedAt === null) return { id, pausedAt: null };
    await tx.execute(sql`update workflows set paused_at = null, paused_by = null where id = ${id}`);
    await recordEvents(tx, [
      {
        kind: "workflow.resumed",
        workflowId: id,
        data: { by: actor.tokenId, pausedAt: workflow.pausedAt },
      },
    ]);
    await notifyQueue(tx);
    return { id, pausedAt: null };
  });
}
