import { sql } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { DomainError } from "@/server/errors";
import { type NewEvent, recordEvents } from "@/server/events/record";
import { isoTime, uuidArray } from "./sql";

export type ClaimedTask = {
  id: string;
  workflowId: string | null;
  name: string;
  type: string;
  payload: unknown;
  leaseEpoch: number;
  /** ISO 8601. */
  leaseExpiresAt: string;
  attempt: number;
  maxAttempts: number;
  timeoutS: number | null;
  requires: Record<string, number>;
};

type Candidate = {
  id: string;
  requires: Record<string, number>;
};

type AgentRow = {
  id: string;
  status: string;
  capabilities: string[];
  capacity: Record<string, number>;
};

/**
 * Claims up to `max` queued tasks for an agent (ARCHITECTURE.md "Resources"): the agent must
 * have every capability, its free amount must cover each agent-scoped requirement and each pool
 * must cover its own — all taken atomically here, with allocation rows as the record.
 *
 * Lock order, which keeps concurrent claims and completions deadlock-free: the agent row, then
 * candidate tasks (SKIP LOCKED: claimers never wait for each other's tasks), then the pools
 * needed, sorted by name. A claim also counts as the agent's heartbeat.
 */
export async function claimTasks(
  db: Database,
  agentId: string,
  max: number,
): Promise<ClaimedTask[]> {
  return db.transaction(async (tx) => {
    const [agent] = await tx.execute<AgentRow>(sql`
      update agents set last_heartbeat_at = now(),
        status = case when status = 'offline' then 'online'::agent_status else status end
      where id = ${agentId}
      returning id, status, capabilities, capacity`);
    if (!agent) throw new DomainError("NOT_FOUND", `agent ${agentId} not found`);
    if (agent.status !== "online") return [];

    const free = await freeAgentCapacity(tx, agent);
    // The "no capabilities" / "no requirements" branches are the common case; spelled out, they
    // also let the planner see (from column statistics) that most queued rows qualify, so it
    // walks tasks_claim_idx in order and stops at the limit instead of sorting the whole queue.
    const candidates = await tx.execute<Candidate>(sql`
      select t.id, t.requires from tasks t
      where t.state = 'queued' and t.run_at <= now()
        and (cardinality(t.capabilities) = 0
          or t.capabilities <@ ${`{${agent.capabilities.map(quoteArrayItem).join(",")}}`}::text[])
        and (t.requires = '{}'::jsonb or not exists (
          select 1 from jsonb_each_text(t.requires) r
          left join resources p on p.name = r.key
          where case when p.scope = 'pool' then p.in_use + r.value::float8 > p.capacity
                     else coalesce((${JSON.stringify(free)}::jsonb ->> r.key)::float8, 0) < r.value::float8 end
        ))
      order by t.priority desc nulls last, t.queued_at, t.id
      limit ${max}
      for update of t skip locked`);
    const accepted = await takeResources(tx, candidates, free);
    if (accepted.length === 0) return [];

    const updated = await tx.execute<ClaimedTask>(sql`
      update tasks set state = 'running', agent_id = ${agentId}, lease_epoch = lease_epoch + 1,
        attempts = attempts + 1, lease_expires_at = now() + lease_s * interval '1 second',
        started_at = now(), progress = null, progress_step = null, progress_message = null,
        error = null, updated_at = now()
      where id = any(${uuidArray(accepted.map((task) => task.id))})
      returning id, workflow_id as "workflowId", name, type, payload, lease_epoch as "leaseEpoch",
        ${isoTime(sql`lease_expires_at`)} as "leaseExpiresAt", attempts as attempt, max_attempts as "maxAttempts",
        timeout_s as "timeoutS", requires`);
    // RETURNING follows the table's physical order; the agent should see the claim order.
    const rank = new Map(accepted.map((task, index) => [task.id, index]));
    const claimed = [...updated].sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
    await recordAllocations(tx, agentId, claimed);
    const events: NewEvent[] = claimed.map((task) => ({
      kind: "task.started",
      taskId: task.id,
      workflowId: task.workflowId,
      agentId,
      fromState: "queued",
      toState: "running",
      data: { attempt: task.attempt, leaseEpoch: task.leaseEpoch },
    }));
    await recordEvents(tx, events);
    return claimed;
  });
}

/** The agent's capacity less what its open allocations hold, per agent-scoped resource. */
async function freeAgentCapacity(
  tx: Transaction,
  agent: AgentRow,
): Promise<Record<string, number>> {
  const free = { ...agent.capacity };
  if (Object.keys(free).length === 0) return free;
  const held = await tx.execute<{ resource: string; amount: number }>(sql`
    select resource, sum(amount)::float8 as amount from allocations
    where agent_id = ${agent.id} and released_at is null group by resource`);
  for (const row of held) free[row.resource] = (free[row.resource] ?? 0) - row.amount;
  return free;
}

/**
 * Takes pool and agent capacity for candidates in claim order, skipping any that no longer fit
 * (the candidate query's check read pools without locking them). Pools are locked here, sorted.
 */
async function takeResources(
  tx: Transaction,
  candidates: readonly Candidate[],
  free: Record<string, number>,
): Promise<Candidate[]> {
  const needed = [...new Set(candidates.flatMap((task) => Object.keys(task.requires)))].sort();
  if (needed.length === 0) return [...candidates];
  const pools = new Map<string, { capacity: number; inUse: number }>();
  const rows = await tx.execute<{ name: string; capacity: number; in_use: number }>(sql`
    select name, capacity, in_use from resources
    where scope = 'pool' and name = any(${`{${needed.join(",")}}`}::text[])
    order by name for update`);
  for (const row of rows) pools.set(row.name, { capacity: row.capacity, inUse: row.in_use });

  const accepted: Candidate[] = [];
  const taken = new Map<string, number>();
  for (const task of candidates) {
    const fits = Object.entries(task.requires).every(([name, amount]) => {
      const pool = pools.get(name);
      return pool ? pool.inUse + amount <= pool.capacity : (free[name] ?? 0) >= amount;
    });
    if (!fits) continue;
    accepted.push(task);
    for (const [name, amount] of Object.entries(task.requires)) {
      const pool = pools.get(name);
      if (pool) {
        pool.inUse += amount;
        taken.set(name, (taken.get(name) ?? 0) + amount);
      } else {
        free[name] = (free[name] ?? 0) - amount;
      }
    }
  }
  for (const [name, amount] of taken) {
    await tx.execute(
      sql`update resources set in_use = in_use + ${amount}, updated_at = now() where name = ${name}`,
    );
  }
  return accepted;
}

/**
 * Allocation times are clock_timestamp(), not now() (the transaction's start): a claim that
 * waited on a pool lock must not appear to hold capacity before its predecessor released it.
 */
async function recordAllocations(
  tx: Transaction,
  agentId: string,
  claimed: readonly { id: string; leaseEpoch: number; requires: Record<string, number> }[],
) {
  const rows = claimed.flatMap((task) =>
    Object.entries(task.requires).map(([resource, amount]) => ({
      taskId: task.id,
      leaseEpoch: task.leaseEpoch,
      resource,
      amount,
    })),
  );
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into allocations (task_id, lease_epoch, agent_id, resource, amount, acquired_at)
    select v."taskId", v."leaseEpoch", ${agentId}, v.resource, v.amount, clock_timestamp()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as v("taskId" uuid, "leaseEpoch" int, resource text, amount float8)`);
}

/** Quotes one element of a text[] literal (capability names may hold commas or quotes). */
function quoteArrayItem(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
