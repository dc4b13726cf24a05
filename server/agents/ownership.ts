import { eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import type { Principal } from "@/server/auth/roles";
import { DomainError, notFound } from "@/server/errors";

/**
 * Checks that `principal` may act for the agent: an agent token only for agents it registered,
 * an admin for any. Throws NOT_FOUND for an unknown agent, FORBIDDEN otherwise; returns the
 * agent's identity so callers need not read it again.
 */
export async function assertAgentOwner(db: Executor, principal: Principal, agentId: string) {
  const [agent] = await db
    .select({ id: agents.id, name: agents.name, tokenId: agents.tokenId, status: agents.status })
    .from(agents)
    .where(eq(agents.id, agentId));
  if (!agent) throw notFound(`agent ${agentId}`);
  if (principal.role !== "admin" && agent.tokenId !== principal.tokenId) {
    throw new DomainError(
      "FORBIDDEN",
      `agent ${agentId} was registered by another token; a token may act only for its own agents`,
    );
  }
  return agent;
}
