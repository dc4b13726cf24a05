import { asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
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
      /** By the database clock, like the heartbeat's age: quarantinedUntil is still in the future. */
      quarantined: sql<boolean>`coalesce(${agents.quarantinedUntil} > now(), false)`,
    })
    .from(agents)
    .where(filter.id ? eq(agents.id, filter.id) : undefined)
    .orderBy(asc(agents.name), asc(agents.id));
}
