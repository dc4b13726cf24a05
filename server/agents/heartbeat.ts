import { eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { type ColumnReader, mapRows, type RawRow } from "@/db/rows";
import { agents } from "@/db/schema/agents";
import { notFound } from "@/server/errors";
import { recordEvents } from "@/server/events/record";

const leaseRow = (row: RawRow, column: ColumnReader): HeartbeatLease => ({
  taskId: column.string(row, "id"),
  leaseEpoch: column.number(row, "lease_epoch"),
  leaseExpiresAt: column.date(row, "lease_expires_at"),
});

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
    // A row another transaction holds (a completion, a progress report of the same agent) is
    // listed but not extended now: waiting for it let a heartbeat and a completeMany lock the
    // agent's rows in opposite orders and deadlock. Its lease outlives several beats, and a
    // completion ends it anyway. Both parts read one snapshot, so each task appears once.
    const leases = await mapRows(
      tx,
      "heartbeat leases",
      leaseRow,
      sql`
      with extended as (
        update tasks t set lease_expires_at = now() + t.lease_s * interval '1 second'
        where t.id in (
          select id from tasks where agent_id = ${agentId} and state = 'running'
          for update skip locked)
        returning t.id, t.lease_epoch, t.lease_expires_at
      )
      select id, lease_epoch, lease_expires_at from extended
      union all
      select id, lease_epoch, lease_expires_at from tasks
      where agent_id = ${agentId} and state = 'running' and lease_expires_at is not null
        and id not in (select id from extended)`,
    );
    return { status, leases };
  });
}
