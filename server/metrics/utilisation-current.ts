import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { agentStatusEnum } from "@/db/schema/agents";
import { agentUsedSql } from "@/server/agents/usage";
import type { AgentStatus } from "./agent-status";

/** What one series (a pool, or one agent's agent-scoped resource) holds right now. */
export interface CurrentUsage {
  resource: string;
  /** null for a pool. */
  agentId: string | null;
  agentName: string | null;
  agentStatus: AgentStatus | null;
  held: number;
  capacity: number;
  /** held / capacity; may exceed 1 when an operator shrank a pool below what is held. */
  ratio: number;
}

export interface CurrentUtilisation {
  pools: CurrentUsage[];
  agents: CurrentUsage[];
}

const agentRow = z.object({
  resource: z.string(),
  agent_id: z.string(),
  agent_name: z.string(),
  agent_status: z.enum(agentStatusEnum.enumValues),
  held: z.number(),
  capacity: z.number(),
});

/**
 * Utilisation now, read from the very sources the other views report: a pool's `in_use` column
 * (what resources.list shows and claims draw on) and an agent's open allocations through
 * `agentUsedSql` (what agents.list shows). Sharing the source, not recomputing it from history,
 * is what makes the charts' closing point agree with those pages.
 */
export async function currentUtilisation(db: Executor): Promise<CurrentUtilisation> {
  const [pools, agents] = await Promise.all([
    queryRows(
      db,
      "pool utilisation now",
      z.object({ resource: z.string(), held: z.number(), capacity: z.number() }),
      sql`
      select r.name as resource, r.in_use as held, r.capacity
      from resources r
      where r.scope = 'pool' and r.capacity > 0
      order by r.name`,
    ),
    // Keys of an agent's capacity that name a pool are pools (the claim reads them so); every
    // other key is agent-scoped, declared in resources or not, exactly as the claim treats it.
    queryRows(
      db,
      "agent resource utilisation now",
      agentRow,
      sql`
      with usage as (
        select agents.id, agents.name, agents.status, agents.capacity, ${agentUsedSql} as used
        from agents
      )
      select c.key as resource, u.id as agent_id, u.name as agent_name, u.status as agent_status,
        coalesce((u.used ->> c.key)::float8, 0) as held, c.value::float8 as capacity
      from usage u
      cross join lateral jsonb_each_text(u.capacity) as c(key, value)
      where c.value::float8 > 0
        and not exists (select 1 from resources p where p.name = c.key and p.scope = 'pool')
      order by u.name, u.id, c.key`,
    ),
  ]);
  return {
    pools: pools.map((row) => ({
      resource: row.resource,
      agentId: null,
      agentName: null,
      agentStatus: null,
      held: row.held,
      capacity: row.capacity,
      ratio: row.held / row.capacity,
    })),
    agents: agents.map((row) => ({
      resource: row.resource,
      agentId: row.agent_id,
      agentName: row.agent_name,
      agentStatus: row.agent_status,
      held: row.held,
      capacity: row.capacity,
      ratio: row.held / row.capacity,
    })),
  };
}
