import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { agentStatusEnum } from "@/db/schema/agents";
import { epochMs, isoFromMs } from "./time";

export type AgentStatus = (typeof agentStatusEnum.enumValues)[number];

export interface AgentHeartbeat {
  id: string;
  name: string;
  status: AgentStatus;
  /** ISO 8601. */
  lastHeartbeatAt: string;
  /** Seconds since the last heartbeat, by the database clock (an agent's own may be skewed). */
  heartbeatAgeS: number;
}

export interface AgentStatusSummary {
  /** Every status present, 0 when none. */
  counts: Record<AgentStatus, number>;
  agents: AgentHeartbeat[];
}

const agentRow = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(agentStatusEnum.enumValues),
  heartbeat_ms: z.number(),
  age_s: z.number(),
});

/** Agents by status, and how long ago each was last heard from, stalest first. */
export async function agentStatus(db: Executor): Promise<AgentStatusSummary> {
  // The agents table holds one row per registered agent (re-registering reuses it), so it stays
  // small: reading it whole and counting here is cheaper than a second query.
  const rows = await queryRows(
    db,
    "agent status",
    agentRow,
    sql`
    select a.id, a.name, a.status, ${epochMs(sql`a.last_heartbeat_at`)} as heartbeat_ms,
      extract(epoch from now() - a.last_heartbeat_at)::float8 as age_s
    from agents a
    order by a.last_heartbeat_at, a.name, a.id`,
  );
  const counts = Object.fromEntries(agentStatusEnum.enumValues.map((s) => [s, 0])) as Record<
    AgentStatus,
    number
  >;
  for (const row of rows) counts[row.status] += 1;
  return {
    counts,
    agents: rows.map((row) => ({
      id: row.id,
      name: row.name,
      status: row.status,
      lastHeartbeatAt: isoFromMs(row.heartbeat_ms),
      heartbeatAgeS: row.age_s,
    })),
  };
}
