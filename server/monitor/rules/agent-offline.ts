import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { AGENT_SILENCE_S } from "@/server/agents/sweep";
import { formatSeconds, type RuleResult } from "./types";

/**
 * agent_offline: every agent the silence sweep marked offline, subject `agent:<id>`, valued in
 * seconds since its last heartbeat (threshold: AGENT_SILENCE_S). It clears when the agent
 * registers or heartbeats again. An agent that never comes back keeps its alert until an
 * operator resolves it, after which it stays quiet until the agent returns.
 */
export async function agentOfflineRule(db: Executor): Promise<RuleResult> {
  const rows = await queryRows(
    db,
    "agent_offline rule",
    z.object({ id: z.string(), name: z.string(), seconds: z.number() }),
    sql`
    select id, name, extract(epoch from now() - last_heartbeat_at)::float8 as seconds
    from agents where status = 'offline' order by last_heartbeat_at`,
  );
  return {
    rule: "agent_offline",
    threshold: AGENT_SILENCE_S,
    observations: rows.map((row) => ({
      subject: `agent:${row.id}`,
      value: row.seconds,
      breaching: true,
      severity: "warning",
      message: `agent "${row.name}" is offline: no heartbeat for ${formatSeconds(row.seconds)}`,
    })),
    nextDueAt: null,
    valuesFollowClock: true,
  };
}
