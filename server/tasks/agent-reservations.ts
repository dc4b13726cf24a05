import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { mapRows } from "@/db/rows";
import { shadowOf } from "./shadow-time";

/** An agent-scoped resource's reserved task, before an agent is chosen for it. */
export interface AgentScopedNeed {
  pool: string;
  task_id: string;
  task_name: string;
  amount: number;
  since: string;
}

/** What an agent-scoped reservation holds: the chosen agent's amount, for the task. */
export interface HeldOnAgent {
  pool: string;
  agentId: string;
  agentName: string;
  taskId: string;
  taskName: string;
  amount: number;
  capacity: number;
  free: number;
  since: string;
  shadowS: number | null;
  extra: number;
}

/**
 * The agent each agent-scoped reservation holds (README "Scheduling"), the way Slurm reserves
 * nodes: of the online, unquarantined agents with the task's capabilities and enough of the
 * resource declared, the one where the amount is sure to be free soonest (its holders each run
 * to their timeoutS: the shadow time); without a known time anywhere, the one with most of it
 * free already; ties by id, so every claim picks the same agent from the same rows.
 *
 * Only that agent holds its freed amount back; the others' claims go on as before, and the
 * reserved task takes whichever agent fits it first.
 */
export async function chooseReservedAgents(
  db: Executor,
  needs: readonly AgentScopedNeed[],
  nowS: number,
): Promise<HeldOnAgent[]> {
  if (needs.length === 0) return [];
  const rows = await mapRows(
    db,
    "agents for agent-scoped reservations",
    (row, c) => ({
      pool: c.string(row, "pool"),
      agent_id: c.string(row, "agent_id"),
      agent_name: c.string(row, "agent_name"),
      capacity: c.number(row, "capacity"),
      holders: row.holders as { amount: number; deadline_s: number | null }[],
    }),
    sql`
    select n.pool, a.id as agent_id, a.name as agent_name,
      (a.capacity ->> n.pool)::float8 as capacity,
      coalesce((
        select jsonb_agg(jsonb_build_object('amount', al.amount, 'deadline_s',
          extract(epoch from t.started_at + t.timeout_s * interval '1 second')::float8))
        from allocations al join tasks t on t.id = al.task_id
        where al.agent_id = a.id and al.resource = n.pool and al.released_at is null
      ), '[]'::jsonb) as holders
    from jsonb_to_recordset(${JSON.stringify(needs)}::jsonb) as n(pool text, task_id uuid, amount float8)
    join tasks rt on rt.id = n.task_id
    join agents a on a.status = 'online' and rt.capabilities <@ a.capabilities
      and coalesce((a.capacity ->> n.pool)::float8, 0) >= n.amount
    where not exists (select 1 from agent_health h
      where h.agent_id = a.id and h.quarantined_until > now())
    order by a.id`,
  );
  const held: HeldOnAgent[] = [];
  for (const need of needs) {
    let best: HeldOnAgent | undefined;
    for (const row of rows) {
      if (row.pool !== need.pool) continue;
      const free = row.capacity - row.holders.reduce((sum, h) => sum + h.amount, 0);
      const { shadowS, extra } = shadowOf(free, need.amount, nowS, row.holders);
      const candidate: HeldOnAgent = {
        pool: need.pool,
        agentId: row.agent_id,
        agentName: row.agent_name,
        taskId: need.task_id,
        taskName: need.task_name,
        amount: need.amount,
        capacity: row.capacity,
        free,
        since: need.since,
        shadowS,
        extra,
      };
      if (!best || sooner(candidate, best)) best = candidate;
    }
    if (best) held.push(best);
  }
  return held;
}

/** Whether `a` fits the reserved task sooner than `b`: known shadow time first, then most free. */
function sooner(a: HeldOnAgent, b: HeldOnAgent): boolean {
  if (a.shadowS !== b.shadowS) {
    if (a.shadowS === null) return false;
    if (b.shadowS === null) return true;
    return a.shadowS < b.shadowS;
  }
  return a.free > b.free;
}
