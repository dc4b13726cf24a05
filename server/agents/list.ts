import { asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { agentHealth, agents } from "@/db/schema/agents";
import { agentUsedSql, outerAgentId } from "./usage";

export type AgentListItem = Awaited<ReturnType<typeof listAgents>>[number];

/**
 * Every agent, offline ones included, with what it uses of its capacity (open allocations per
 * resource), how many tasks it runs, and the age of its last heartbeat in seconds, measured by
 * the database clock so a skewed client clock cannot make an agent look dead.
 */
export async function listAgents(db: Executor, filter: { id?: string } = {}) {
  return db
    .select({
      ...getTableColumns(agents),
      used: agentUsedSql,
      runningTasks: sql<number>`(
        select count(*) from tasks t where t.agent_id = ${outerAgentId} and t.state = 'running'
      )`.mapWith(Number),
      heartbeatAgeS: sql<number>`extract(epoch from now() - ${agents.lastHeartbeatAt})`.mapWith(
        Number,
      ),
      // Quarantine (server/agents/quarantine.ts); `quarantined` by the database clock, like the
      // heartbeat's age.
      quarantined: sql<boolean>`coalesce(${agentHealth.quarantinedUntil} > now(), false)`,
      quarantinedUntil: agentHealth.quarantinedUntil,
      quarantinedAt: agentHealth.quarantinedAt,
      quarantineReason: agentHealth.quarantineReason,
      quarantineCount: sql<number>`coalesce(${agentHealth.quarantineCount}, 0)`.mapWith(Number),
      failureStreak: sql<number>`coalesce(${agentHealth.failureStreak}, 0)`.mapWith(Number),
    })
    .from(agents)
    .leftJoin(agentHealth, eq(agentHealth.agentId, agents.id))
    .where(filter.id ? eq(agents.id, filter.id) : undefined)
    .orderBy(asc(agents.name), asc(agents.id));
}
