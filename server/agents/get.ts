import type { Executor } from "@/db/client";
import { notFound } from "@/server/errors";
import { type AgentListItem, listAgents } from "./list";

/**
 * One agent as the list shows it, with its quarantine spelled out: `quarantine` is null unless
 * it is quarantined now (its claims return nothing until `until`).
 */
export async function getAgent(db: Executor, agentId: string) {
  const [agent] = await listAgents(db, { id: agentId });
  if (!agent) throw notFound(`agent ${agentId}`);
  return { ...agent, quarantine: quarantineOf(agent) };
}

function quarantineOf(agent: AgentListItem) {
  if (!agent.quarantined || !agent.quarantinedUntil) return null;
  return {
    until: agent.quarantinedUntil,
    since: agent.quarantinedAt,
    reason: agent.quarantineReason,
    failures: agent.failureStreak,
    /** This one included, since its last success. */
    quarantines: agent.quarantineCount,
  };
}
