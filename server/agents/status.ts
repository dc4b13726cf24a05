import { eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { DomainError, notFound } from "@/server/errors";
import { type EventKind, recordEvents } from "@/server/events/record";
import type { AgentRecord } from "./register";

export interface AgentStatusParams {
  agentId: string;
}

/**
 * Stops the agent from claiming new work; what it holds it finishes. Idempotent. An offline
 * agent cannot be drained: the offline sweep would overwrite the status, so the operator
 * would believe in a drain that is not there.
 */
export function drainAgent(db: Database, params: AgentStatusParams): Promise<AgentRecord> {
  return setStatus(db, params.agentId, "draining", "agent.draining");
}

/** Lets a drained agent claim work again. Idempotent; refused for an offline agent. */
export function resumeAgent(db: Database, params: AgentStatusParams): Promise<AgentRecord> {
  return setStatus(db, params.agentId, "online", "agent.resumed");
}

async function setStatus(
  db: Database,
  agentId: string,
  to: "draining" | "online",
  kind: EventKind,
): Promise<AgentRecord> {
  return db.transaction(async (tx) => {
    const [agent] = await tx.select().from(agents).where(eq(agents.id, agentId)).for("update");
    if (!agent) throw notFound(`agent ${agentId}`);
    if (agent.status === to) return agent;
    if (agent.status === "offline") {
      throw new DomainError(
        "CONFLICT",
        `agent "${agent.name}" is offline; it can be ${to === "draining" ? "drained" : "resumed"} once its heartbeat is back`,
      );
    }
    const [updated] = await tx
      .update(agents)
      .set({ status: to })
      .where(eq(agents.id, agentId))
      .returning();
    if (!updated) throw notFound(`agent ${agentId}`);
    await recordEvents(tx, [{ kind, agentId, data: { name: agent.name, from: agent.status } }]);
    return updated;
  });
}
