import { getTableColumns, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { recordEvents } from "@/server/events/record";
import { assertAgentCapacity } from "./capacity";

export interface RegisterAgentParams {
  /** The token calling: only this token may later act for the agent. */
  tokenId: string;
  name: string;
  capabilities: string[];
  /** Its own amount of each agent-scoped resource, e.g. `{cpu: 8, slots: 4}`. */
  capacity: Record<string, number>;
  metadata?: Record<string, unknown>;
}

export type AgentRecord = typeof agents.$inferSelect;

/**
 * Registers an agent, or registers it again: (token, name) identifies it, so a restarted agent
 * gets its old id back and keeps its history. Capabilities, capacity and metadata are replaced
 * by what it declares now; it comes back online (or stays draining) with a fresh heartbeat.
 *
 * A registration is a (re)start: whatever the agent held before is lost with the old process,
 * so its running leases are expired now and the next sweep requeues them, instead of its
 * heartbeats keeping them alive until their timeout.
 */
export async function registerAgent(
  db: Database,
  params: RegisterAgentParams,
): Promise<AgentRecord & { created: boolean }> {
  const capabilities = [...new Set(params.capabilities)].sort();
  const metadata = params.metadata ?? {};
  return db.transaction(async (tx) => {
    await assertAgentCapacity(tx, params.capacity);
    const [row] = await tx
      .insert(agents)
      .values({
        tokenId: params.tokenId,
        name: params.name,
        capabilities,
        capacity: params.capacity,
        metadata,
      })
      .onConflictDoUpdate({
        target: [agents.tokenId, agents.name],
        set: {
          capabilities,
          capacity: params.capacity,
          metadata,
          // An operator's drain outlives a restart of the agent; offline comes back online.
          status: sql`case when ${agents.status} = 'draining' then 'draining'::agent_status else 'online'::agent_status end`,
          lastHeartbeatAt: sql`now()`,
        },
      })
      // xmax is 0 only on a row this statement inserted: tells a first registration from a return.
      .returning({ ...getTableColumns(agents), created: sql<boolean>`(xmax = 0)` });
    if (!row) throw new Error("insert into agents returned no row");
    if (!row.created) {
      await tx.execute(sql`
        update tasks set lease_expires_at = now(), updated_at = now()
        where agent_id = ${row.id} and state = 'running'`);
    }
    await recordEvents(tx, [
      {
        kind: "agent.registered",
        agentId: row.id,
        data: { name: row.name, capabilities, capacity: params.capacity, created: row.created },
      },
    ]);
    return row;
  });
}
