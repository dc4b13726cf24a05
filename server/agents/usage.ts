import { sql } from "drizzle-orm";
import { agents } from "@/db/schema/agents";

/**
 * `agents.id` of the enclosing query, spelled out: drizzle leaves columns unqualified in a
 * single-table select, and a bare "id" inside a subquery would mean the subquery's own table.
 */
export const outerAgentId = sql`${agents}.${sql.identifier(agents.id.name)}`;

/**
 * `{resource: amount}` the agent of the enclosing `from agents` row holds through open
 * allocations. The allocation rows are the truth for agent-scoped resources: there is no
 * per-agent `in_use` column to drift from them.
 */
export const agentUsedSql = sql<Record<string, number>>`coalesce((
  select jsonb_object_agg(held.resource, held.amount)
  from (
    select al.resource, sum(al.amount) as amount
    from allocations al
    where al.agent_id = ${outerAgentId} and al.released_at is null
    group by al.resource
  ) held
), '{}'::jsonb)`;

/** What is left of each declared amount once open allocations are taken away. */
export function freeCapacity(
  capacity: Record<string, number>,
  used: Record<string, number>,
): Record<string, number> {
  const free: Record<string, number> = {};
  for (const [name, amount] of Object.entries(capacity)) free[name] = amount - (used[name] ?? 0);
  return free;
}
