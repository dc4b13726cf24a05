import { and, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { tasks } from "@/db/schema/tasks";
import { notFound } from "@/server/errors";
import { recordEvents } from "@/server/events/record";

export interface HeartbeatParams {
  agentId: string;
}

export interface HeartbeatLease {
  taskId: string;
  leaseEpoch: number;
  leaseExpiresAt: Date;
}

export interface HeartbeatResult {
  status: (typeof agents.$inferSelect)["status"];
  /** Every task the agent holds now: a worker drops any task it runs that is not listed. */
  leases: HeartbeatLease[];
}

/**
 * Records that the agent is alive and extends the lease of every task it runs by that task's
 * own `lease_s`. An offline agent comes back online; a draining one stays draining (the
 * operator's decision outlives a network blip).
 */
export async function heartbeat(db: Database, params: HeartbeatParams): Promise<HeartbeatResult> {
  const { agentId } = params;
  return db.transaction(async (tx) => {
    // Locked, so the offline sweep cannot slip in between reading the status and writing it.
    const [before] = await tx
      .select({ status: agents.status, name: agents.name })
      .from(agents)
      .where(eq(agents.id, agentId))
      .for("update");
    if (!before) throw notFound(`agent ${agentId}`);
    const status = before.status === "offline" ? "online" : before.status;
    await tx
      .update(agents)
      .set({ status, lastHeartbeatAt: sql`now()` })
      .where(eq(agents.id, agentId));
    if (before.status === "offline") {
      await recordEvents(tx, [
        {
          kind: "agent.resumed",
          agentId,
          data: { name: before.name, from: "offline", via: "heartbeat" },
        },
      ]);
    }
    const rows = await tx
      .update(tasks)
      .set({ leaseExpiresAt: sql`now() + ${tasks.leaseS} * interval '1 second'` })
      .where(and(eq(tasks.agentId, agentId), eq(tasks.state, "running")))
      .returning({
        taskId: tasks.id,
        leaseEpoch: tasks.leaseEpoch,
        leaseExpiresAt: tasks.leaseExpiresAt,
      });
    // Always set by this very update; the filter only narrows the column's nullable type.
    const leases = rows.flatMap((row) =>
      row.leaseExpiresAt ? [{ ...row, leaseExpiresAt: row.leaseExpiresAt }] : [],
    );
    return { status, leases };
  });
}
