import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { tasks } from "@/db/schema/tasks";
import { recordEvents } from "@/server/events/record";

export interface MarkSilentAgentsParams {
  /** How long without a heartbeat makes an agent offline. */
  silentForS: number;
}

// A literal, not a parameter, so the planner can use the partial index agents_heartbeat_idx.
const notOffline = sql`${agents.status} <> 'offline'`;

/**
 * Marks agents whose last heartbeat is older than `silentForS` offline, and ends the leases of
 * the tasks they run now (`lease_expires_at = now()`), so the lease sweep requeues those tasks
 * instead of waiting out leases nobody will extend. Returns how many agents it marked.
 */
export async function markSilentAgentsOffline(
  db: Database,
  params: MarkSilentAgentsParams,
): Promise<number> {
  return db.transaction(async (tx) => {
    // SKIP LOCKED: an agent whose heartbeat is being written right now is not silent.
    const silent = await tx
      .select({
        id: agents.id,
        name: agents.name,
        status: agents.status,
        lastHeartbeatAt: agents.lastHeartbeatAt,
      })
      .from(agents)
      .where(
        and(
          notOffline,
          lt(agents.lastHeartbeatAt, sql`now() - make_interval(secs => ${params.silentForS})`),
        ),
      )
      .for("update", { skipLocked: true });
    if (silent.length === 0) return 0;
    const ids = silent.map((agent) => agent.id);
    await tx.update(agents).set({ status: "offline" }).where(inArray(agents.id, ids));
    const expired = await tx
      .update(tasks)
      // least(): a lease that already ran out keeps its earlier expiry.
      .set({ leaseExpiresAt: sql`least(${tasks.leaseExpiresAt}, now())` })
      .where(and(inArray(tasks.agentId, ids), eq(tasks.state, "running")))
      .returning({ taskId: tasks.id, agentId: tasks.agentId });
    await recordEvents(
      tx,
      silent.map((agent) => ({
        kind: "agent.offline" as const,
        agentId: agent.id,
        data: {
          name: agent.name,
          from: agent.status,
          lastHeartbeatAt: agent.lastHeartbeatAt.toISOString(),
          expiredLeases: expired.filter((t) => t.agentId === agent.id).map((t) => t.taskId),
        },
      })),
    );
    return silent.length;
  });
}

/**
 * The earliest time an agent that is not offline would count as silent, or null when there is
 * none: the sweep loop sleeps until then at most.
 */
export async function nextAgentSilenceAt(db: Executor, silentForS: number): Promise<Date | null> {
  const [row] = await db
    .select({
      at: sql<Date | null>`min(${agents.lastHeartbeatAt}) + make_interval(secs => ${silentForS})`.mapWith(
        agents.lastHeartbeatAt,
      ),
    })
    .from(agents)
    .where(notOffline);
  return row?.at ?? null;
}
