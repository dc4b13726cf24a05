import { and, arrayContains, arrayOverlaps, asc, eq, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { agentUsedSql, freeCapacity } from "./usage";

/** The agent side of "why is it waiting", in the order the reasons are given. */
export type AgentWaitReason = { message: string } & (
  | { kind: "capability"; capability: string }
  /** Each capability exists somewhere, but no online agent has them all (or none is online). */
  | { kind: "no_agent"; capabilities: string[] }
  | {
      kind: "agent_resource";
      /** bestFree: the most any capable online agent has free now. */
      resources: { resource: string; requested: number; bestFree: number }[];
    }
);

/**
 * Why no online agent could claim a task needing `capabilities` and the agent-scoped amounts
 * `agentScoped`: each capability no online agent has, or no agent having them all, then
 * resources no capable agent has enough of free (capacity minus its open allocations).
 * Draining agents count as unavailable: they claim nothing. Empty when some agent could.
 */
export async function agentWaitReasons(
  db: Executor,
  capabilities: string[],
  agentScoped: Record<string, number>,
): Promise<AgentWaitReason[]> {
  const missing = await missingCapabilities(db, capabilities);
  if (missing.length > 0) {
    return missing.map((capability) => ({
      kind: "capability",
      capability,
      message: `no online agent has capability "${capability}"`,
    }));
  }
  const capable = await capableAgents(db, capabilities);
  if (capable.length === 0) {
    const all = capabilities.map((c) => `"${c}"`).join(", ");
    return [
      {
        kind: "no_agent",
        capabilities,
        message: all ? `no online agent has all of ${all} at once` : "no agent is online",
      },
    ];
  }
  const needed = Object.entries(agentScoped).map(([resource, requested]) => ({
    resource,
    requested,
    bestFree: Math.max(...capable.map((agent) => agent.free[resource] ?? 0)),
  }));
  const short = needed.filter((n) => n.bestFree < n.requested);
  if (short.length > 0) {
    const what = short.map((n) => `${n.requested} ${n.resource} free (most free: ${n.bestFree})`);
    return [
      {
        kind: "agent_resource",
        resources: short,
        message: `no online agent with the needed capabilities has ${what.join(", nor ")}`,
      },
    ];
  }
  // Each amount is free on some agent, but the claim needs one agent that has them all.
  const fits = capable.some((agent) =>
    needed.every((n) => (agent.free[n.resource] ?? 0) >= n.requested),
  );
  if (fits) return [];
  const what = needed.map((n) => `${n.requested} ${n.resource}`).join(" and ");
  return [
    {
      kind: "agent_resource",
      resources: needed,
      message: `no single online agent has ${what} free at once`,
    },
  ];
}

/** The capabilities in `required` that no online agent has. */
async function missingCapabilities(db: Executor, required: string[]): Promise<string[]> {
  if (required.length === 0) return [];
  const rows = await db
    .selectDistinct({ capability: sql<string>`unnest(${agents.capabilities})` })
    .from(agents)
    .where(and(eq(agents.status, "online"), arrayOverlaps(agents.capabilities, required)));
  const covered = new Set(rows.map((row) => row.capability));
  return required.filter((capability) => !covered.has(capability));
}

/** Online agents with every capability in `required`, and what they have free. */
async function capableAgents(db: Executor, required: string[]) {
  const rows = await db
    .select({ id: agents.id, capacity: agents.capacity, used: agentUsedSql })
    .from(agents)
    .where(
      and(
        eq(agents.status, "online"),
        required.length > 0 ? arrayContains(agents.capabilities, required) : undefined,
      ),
    )
    .orderBy(asc(agents.id));
  return rows.map((row) => ({ id: row.id, free: freeCapacity(row.capacity, row.used) }));
}
