import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import type { Role } from "@/server/auth/roles";
import { DomainError, notFound } from "@/server/errors";
import { isoTime } from "@/server/tasks/sql";
import {
  type TaskStateCounts,
  taskStateCountsRow,
  taskStateCountsSql,
  type WorkflowState,
  workflowStateSchema,
  workflowStateSql,
} from "./state";

/** Who operates on a workflow: orchestrators only on their own (the token that submitted it). */
export interface WorkflowActor {
  tokenId: string;
  role: Role;
}

export interface LockedWorkflow {
  id: string;
  name: string;
  createdBy: string | null;
  /** ISO 8601, or null when not paused. */
  pausedAt: string | null;
  state: WorkflowState;
  counts: TaskStateCounts;
}

/**
 * Locks the workflow row for the rest of the transaction (whole-workflow operations on one
 * workflow take turns) and reads its state. NOT_FOUND for an unknown id, FORBIDDEN for an
 * orchestrator whose token did not submit it.
 */
export async function lockWorkflow(
  tx: Executor,
  id: string,
  actor: WorkflowActor,
  verb: string,
): Promise<LockedWorkflow> {
  const [locked] = await queryRows(
    tx,
    "lock workflow",
    z.object({ id: z.string(), name: z.string(), created_by: z.string().nullable() }),
    sql`select id, name, created_by from workflows where id = ${id} for update`,
  );
  if (!locked) throw notFound(`workflow ${id}`);
  if (actor.role === "orchestrator" && locked.created_by !== actor.tokenId) {
    throw new DomainError(
      "FORBIDDEN",
      `an orchestrator may ${verb} only the workflows its own token submitted`,
    );
  }
  return readWorkflowState(tx, id);
}

const lockedRow = taskStateCountsRow.extend({
  id: z.string(),
  name: z.string(),
  created_by: z.string().nullable(),
  paused_at: z.string().nullable(),
  state: workflowStateSchema,
});

/** The workflow's state and counts now (in the caller's transaction). */
export async function readWorkflowState(tx: Executor, id: string): Promise<LockedWorkflow> {
  const [row] = await queryRows(
    tx,
    "workflow state",
    lockedRow,
    sql`
    select w.id, w.name, w.created_by, ${isoTime(sql`w.paused_at`)} as paused_at,
      c.blocked, c.waiting, c.queued, c.running, c.succeeded, c.failed, c.cancelled,
      ${workflowStateSql("c", sql`w.paused_at`)} as state
    from workflows w cross join lateral ${taskStateCountsSql(sql`w.id`)} c
    where w.id = ${id}`,
  );
  if (!row) throw notFound(`workflow ${id}`);
  const { blocked, waiting, queued, running, succeeded, failed, cancelled } = row;
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    pausedAt: row.paused_at,
    state: row.state,
    counts: { blocked, waiting, queued, running, succeeded, failed, cancelled },
  };
}
