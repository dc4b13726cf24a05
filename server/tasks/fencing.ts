import { eq, inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { tasks } from "@/db/schema/tasks";
import type { DomainErrorCode } from "@/server/errors";

export interface LeaseRef {
  taskId: string;
  leaseEpoch: number;
}

/** Who makes a lease-fenced call: an agent, through a token. */
export interface LeaseCaller {
  agentId: string;
  tokenId: string;
  isAdmin: boolean;
}

export type FencedOutcome =
  | { taskId: string; ok: true }
  | { taskId: string; ok: false; code: DomainErrorCode; message: string };

/**
 * Explains why lease-fenced calls changed nothing (docs/architecture.md "Leases and fencing"): an
 * unknown task is NOT_FOUND; a live lease at that epoch held by an agent of another token is
 * FORBIDDEN; anything else — an older epoch, a task no longer running, another agent of the
 * same token — is CONFLICT.
 */
export async function explainFenced(
  tx: Executor,
  refs: readonly LeaseRef[],
  caller: LeaseCaller,
): Promise<FencedOutcome[]> {
  if (refs.length === 0) return [];
  const rows = await tx
    .select({
      id: tasks.id,
      state: tasks.state,
      agentId: tasks.agentId,
      epoch: tasks.leaseEpoch,
      holderToken: agents.tokenId,
    })
    .from(tasks)
    .leftJoin(agents, eq(agents.id, tasks.agentId))
    .where(inArray(tasks.id, [...new Set(refs.map((ref) => ref.taskId))]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return refs.map((ref): FencedOutcome => {
    const row = byId.get(ref.taskId);
    if (!row)
      return {
        taskId: ref.taskId,
        ok: false,
        code: "NOT_FOUND",
        message: `task ${ref.taskId} not found`,
      };
    if (row.epoch !== ref.leaseEpoch) {
      return {
        taskId: ref.taskId,
        ok: false,
        code: "CONFLICT",
        message: `stale lease: epoch ${ref.leaseEpoch}, the task is at epoch ${row.epoch} (${row.state})`,
      };
    }
    if (row.state !== "running") {
      return {
        taskId: ref.taskId,
        ok: false,
        code: "CONFLICT",
        message: `task is ${row.state}, not running`,
      };
    }
    if (row.agentId !== caller.agentId && !caller.isAdmin && row.holderToken !== caller.tokenId) {
      return {
        taskId: ref.taskId,
        ok: false,
        code: "FORBIDDEN",
        message: "the lease is held by another agent's token",
      };
    }
    return {
      taskId: ref.taskId,
      ok: false,
      code: "CONFLICT",
      message: "the lease is held by another agent",
    };
  });
}
