import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { isoTime } from "@/server/tasks/sql";
import type { RuleResult } from "./types";

/**
 * agent_quarantined: every agent quarantined now (server/agents/quarantine.ts), subject
 * `agent:<id>`, valued in its failed attempts in a row (threshold:
 * agents.quarantine_after_failures). Critical once its cool-down has reached the 1 h cap.
 * It clears when an operator releases the agent or the cool-down ends (the earliest end is
 * this rule's nextDueAt), then resolves after the usual clear hold.
 */
export async function agentQuarantinedRule(db: Executor, threshold: number): Promise<RuleResult> {
  const rows = await queryRows(
    db,
    "agent_quarantined rule",
    z.object({
      id: z.string(),
      name: z.string(),
      failures: z.number(),
      until: z.string(),
      reason: z.string().nullable(),
      capped: z.boolean(),
    }),
    sql`
    select a.id, a.name, h.failure_streak as failures,
      ${isoTime(sql`h.quarantined_until`)} as until, h.quarantine_reason as reason,
      h.quarantined_until - h.quarantined_at >= interval '1 hour' as capped
    from agent_health h join agents a on a.id = h.agent_id
    where h.quarantined_until > now() order by h.quarantined_until`,
  );
  const first = rows[0];
  return {
    rule: "agent_quarantined",
    threshold,
    observations: rows.map((row) => ({
      subject: `agent:${row.id}`,
      value: row.failures,
      breaching: true,
      severity: row.capped ? "critical" : "warning",
      message: `agent "${row.name}" is quarantined until ${row.until}: ${row.reason ?? "too many failed attempts"}`,
    })),
    nextDueAt: first ? new Date(first.until) : null,
    valuesFollowClock: false,
  };
}
