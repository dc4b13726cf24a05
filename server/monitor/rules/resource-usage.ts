import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { RATIO_CLEAR_FACTOR } from "../settings";
import { type Observation, percent, type RuleResult, severityOf } from "./types";

/**
 * resource_usage: utilisation at or above the threshold, for each pool (`in_use / capacity`,
 * subject `pool:<name>`) and for each agent-scoped resource of each agent that is not offline
 * (open allocations / its declared amount, subject `agent:<id>:<resource>`).
 *
 * "At or above", not "above": the threshold may be 1, meaning "when full", and may not be 0.
 * Rows down to threshold x RATIO_CLEAR_FACTOR come back too, as the hysteresis band.
 */
export async function resourceUsageRule(db: Executor, threshold: number): Promise<RuleResult> {
  const band = threshold * RATIO_CLEAR_FACTOR;
  const rows = await queryRows(
    db,
    "resource_usage rule",
    z.object({ subject: z.string(), label: z.string(), ratio: z.number() }),
    sql`
    select 'pool:' || name as subject, 'pool ' || name as label, in_use / capacity as ratio
    from resources
    where scope = 'pool' and capacity > 0 and in_use / capacity >= ${band}
    union all
    select 'agent:' || id || ':' || resource, 'agent ' || name || ' ' || resource, used / declared
    from (
      select a.id, a.name, r.name as resource, (a.capacity ->> r.name)::float8 as declared,
        coalesce((select sum(al.amount) from allocations al
          where al.agent_id = a.id and al.resource = r.name and al.released_at is null), 0) as used
      from agents a
      join resources r on r.scope = 'agent' and jsonb_typeof(a.capacity -> r.name) = 'number'
      where a.status <> 'offline'
    ) held
    where declared > 0 and used / declared >= ${band}
    order by 1`,
  );

  const observations: Observation[] = rows.map((row) => ({
    subject: row.subject,
    value: row.ratio,
    breaching: row.ratio >= threshold,
    severity: severityOf(row.ratio, threshold, true),
    message: `${row.label} is ${percent(row.ratio)} used (threshold ${percent(threshold)})`,
  }));
  return {
    rule: "resource_usage",
    threshold,
    observations,
    nextDueAt: null,
    valuesFollowClock: false,
  };
}
