import { sql } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { type ColumnReader, mapRows, type RawRow } from "@/db/rows";
import { assertAgentOwner } from "@/server/agents/ownership";
import { claimGate } from "@/server/agents/quarantine-gate";
import type { Principal } from "@/server/auth/roles";
import { DomainError } from "@/server/errors";
import { CHANNELS } from "@/server/events/record";
import { candidateQuery } from "./claim-order";
import { recordAllocations, takeResources } from "./claim-resources";
import { keysAtLimit } from "./concurrency-keys";
import { findReservations, type Reservation, reservationFilter } from "./reservations";
import { type SchedulingPolicy, schedulingPolicy } from "./scheduling-policy";
import { uuidArray } from "./sql";
import { claimedColumns, startAttempts } from "./start-attempts";

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

/**
 * Claims up to `max` queued tasks for an agent (docs/architecture.md "Resources and allocation"): the agent must
 * have every capability, its free amount must cover each agent-scoped requirement and each pool
 * must cover its own — all taken atomically here, with allocation rows as the record.
 *
 * Claim order, reservations and concurrency keys follow `policy` (README "Scheduling").
 *
 * Lock order, which keeps concurrent claims and completions deadlock-free: candidate tasks
 * (SKIP LOCKED: claimers never wait for each other's tasks), then the pools needed, sorted by
 * name, then the concurrency keys needed, sorted, then — only when agent-scoped resources are
 * needed — the agent row. A claim also counts as the agent's heartbeat.
 */
export async function claimTasks(
  db: Database,
  agentId: string,
  max: number,
  /** The caller, when it must own the agent: checked in the same statement as the claim. */
  principal?: Principal,
  policy: SchedulingPolicy = schedulingPolicy(),
): Promise<ClaimedTask[]> {
  return db.transaction((tx) => claimWithin(tx, agentId, max, principal, policy, true));
}

/**
 * claimTasks inside a transaction that already holds locks of its own (a completion's, which
 * then hands its agent the tasks it released: docs/architecture.md "Claim and complete").
 * Those locks are out of the claim's lock order, so this claim never waits: a pool, key or
 * agent row another transaction holds is stepped over (SKIP LOCKED), as in a second pass, and
 * its tasks are left to the queue's next claim. Same rules otherwise.
 */
export function claimInTransaction(
  tx: Transaction,
  agentId: string,
  max: number,
  principal?: Principal,
  policy: SchedulingPolicy = schedulingPolicy(),
): Promise<ClaimedTask[]> {
  return claimWithin(tx, agentId, max, principal, policy, false);
}

async function claimWithin(
  tx: Transaction,
  agentId: string,
  max: number,
  principal: Principal | undefined,
  policy: SchedulingPolicy,
  /** false: never wait for a lock (see claimInTransaction). */
  wait: boolean,
): Promise<ClaimedTask[]> {
  // A quarantined agent takes nothing (server/agents/quarantine.ts); agents.get says why.
  const gate = await claimGate(tx, agentId, principal, wait);
  if (gate.quarantinedUntil) return [];
  // An agent whose last attempt failed is not dealt the fair-share pick: that rotation serves
  // the workflow running least first, usually the one submitted last, and an agent that fails
  // at once is back for the next task first. Before its quarantine it would fail a new small
  // workflow's tasks in turn, each then waiting out a backoff. Oldest first instead, so its
  // capacity still works off the backlog (docs/architecture.md "Resources and allocation").
  const order: SchedulingPolicy = gate.onFailureStreak ? { ...policy, fairness: "fifo" } : policy;
  const first = await claimPass(tx, agentId, max, principal, order, wait);
  if (first.claimed.length >= max || !first.keyFull) return first.claimed;
  // The batch filled a concurrency key part-way through: its other tasks were refused, and
  // the tasks behind them never offered. Again, now that the first pass's tasks count as
  // running, so the full key is stepped over. This pass holds the first one's locks and
  // may need others out of the lock order: it takes only locks that are free at once
  // (SKIP LOCKED), so it never waits, and cannot deadlock.
  const second = await claimPass(tx, agentId, max - first.claimed.length, principal, order, false);
  return [...first.claimed, ...second.claimed];
}

/** One round of a claim: candidates, resources under lock, the transition. */
async function claimPass(
  tx: Transaction,
  agentId: string,
  max: number,
  principal: Principal | undefined,
  policy: SchedulingPolicy,
  /** false: skip the pools, keys and agent row another claim holds, instead of waiting. */
  wait: boolean,
): Promise<{ claimed: ClaimedTask[]; keyFull: boolean }> {
  // Read without locks, to step over tasks a reservation keeps out; re-checked under lock.
  const { reservations } = await findReservations(tx, policy.reserveAfterS, undefined, agentId);
  const rows = await pickCandidates(tx, agentId, max, principal, policy, reservations, wait);
  const [first] = rows;
  if (!first) {
    // Say why: an unknown agent, or one this token may not act for.
    if (principal) await assertAgentOwner(tx, principal, agentId);
    throw new DomainError("NOT_FOUND", `agent ${agentId} not found`);
  }
  const candidates = rows.flatMap((row) =>
    row.id
      ? [
          {
            id: row.id,
            requires: row.requires ?? {},
            timeoutS: row.timeout_s,
            concurrencyKey: row.concurrency_key,
            concurrencyLimit: row.concurrency_limit,
          },
        ]
      : [],
  );
  const { accepted, keyFull } = await takeResources(tx, agentId, candidates, policy, wait);
  if (accepted.length === 0) return { claimed: [], keyFull };

  // One statement: the transition, its events (start-attempts.ts) and the NOTIFY that announces them.
  const updated = await mapRows(
    tx,
    "claim tasks",
    claimedTask,
    sql`
    with ${startAttempts(agentId, sql`id = any(${uuidArray(accepted.map((task) => task.id))})`)},
    notified as (
      select pg_notify(${CHANNELS.events}, max(id)::text) from events
    )
    select ${claimedColumns} from claimed c, notified`,
    { prepared: true },
  );
  // RETURNING follows the table's physical order; the agent should see the claim order.
  const rank = new Map(accepted.map((task, index) => [task.id, index]));
  const claimed = [...updated].sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
  await recordAllocations(tx, agentId, claimed);
  return { claimed, keyFull };
}

// Mappers, not zod schemas, on the claim's path: every claim reads these rows.
const candidateRow = (row: RawRow, c: ColumnReader) => ({
  status: c.string(row, "status"),
  capacity: c.numberRecord(row, "capacity"),
  held: c.numberRecord(row, "held"),
  // The left join gives an agent with nothing to claim one row of nulls.
  id: c.nullableString(row, "id"),
  requires: c.nullableNumberRecord(row, "requires"),
  timeout_s: c.nullableNumber(row, "timeout_s"),
  concurrency_key: c.nullableString(row, "concurrency_key"),
  concurrency_limit: c.nullableNumber(row, "concurrency_limit"),
});

export const claimedTask = (row: RawRow, c: ColumnReader): ClaimedTask => ({
  id: c.string(row, "id"),
  workflowId: c.nullableString(row, "workflowId"),
  name: c.string(row, "name"),
  type: c.string(row, "type"),
  payload: row.payload,
  leaseEpoch: c.number(row, "leaseEpoch"),
  leaseExpiresAt: c.string(row, "leaseExpiresAt"),
  attempt: c.number(row, "attempt"),
  maxAttempts: c.number(row, "maxAttempts"),
  timeoutS: c.nullableNumber(row, "timeoutS"),
  requires: c.numberRecord(row, "requires"),
});

/**
 * In one statement: records the agent's heartbeat, reads what its open allocations hold, and
 * picks and locks the first claimable tasks for it (none unless it is online). No row at all
 * means no such agent, or not one the principal may act for.
 *
 * The heartbeat is written at most once a second: an empty claim then writes nothing, and a
 * read-only transaction commits without waiting for a WAL flush — long-polling agents woken
 * together by one NOTIFY mostly lose the race, and should lose it cheaply.
 *
 * The `= '{}'` branches are the common case; spelled out, they also let the planner see from
 * column statistics that most queued rows qualify, so it walks tasks_claim_idx in order and
 * stops at the limit instead of sorting the whole queue (`desc nulls last` matches the index).
 * Pools and the agent's free capacity are read here without locks, to skip tasks that cannot
 * fit; takeResources re-checks both under lock.
 *
 * Paused workflows: their ids are read once per statement (an uncorrelated subquery, run as an
 * InitPlan over workflows_paused_idx) and each candidate is compared with that short array, so
 * the walk along tasks_claim_idx keeps its plan. A claim whose statement began before a pause
 * committed may still start one of its tasks, as if it had been claimed just before.
 *
 * `heartbeat` false (a claim that must not wait for a lock) leaves the agent row alone: its
 * write would wait for another claim of the same agent.
 */
function pickCandidates(
  tx: Transaction,
  agentId: string,
  max: number,
  principal: Principal | undefined,
  policy: SchedulingPolicy,
  reservations: ReadonlyMap<string, Reservation>,
  heartbeat: boolean,
) {
  const owned =
    principal && principal.role !== "admin" ? sql`and token_id = ${principal.tokenId}` : sql``;
  return mapRows(
    tx,
    "claim candidates",
    candidateRow,
    sql`
    with found as (
      select id, status, capabilities, capacity from agents where id = ${agentId} ${owned}
    ), touched as (
      update agents set last_heartbeat_at = now(),
        status = case when status = 'offline' then 'online'::agent_status else status end
      where ${heartbeat ? sql`true` : sql`false`} and id = (select id from found)
        and (status = 'offline' or last_heartbeat_at < now() - interval '1 second')
      returning status
    ), agent as (
      select id, coalesce((select status from touched), status) as status, capabilities, capacity
      from found
    ), held as (
      select coalesce(jsonb_object_agg(resource, amount), '{}'::jsonb) as held from (
        select resource, sum(amount)::float8 as amount from allocations
        where agent_id = ${agentId} and released_at is null group by resource) h
    )
    select a.status, a.capacity, held.held, c.id, c.requires, c.timeout_s, c.concurrency_key,
      c.concurrency_limit
    from agent a cross join held
    left join lateral (${candidateQuery(policy, max, claimable(reservations))}
    ) c on true`,
    { prepared: true },
  );
}

/**
 * For this long after a retry is due, the agent whose attempt failed does not get it while
 * another online agent could run it: the retry goes elsewhere first (a broken agent would
 * likely fail it again), and a task only that agent can run is not delayed at all.
 */
export const RETRY_ELSEWHERE_S = 1;

/**
 * Whether task `t` could be claimed by agent `a` (holding `held`) now, read without locks.
 * The `= '{}'` branches are the common case (see pickCandidates).
 */
function claimable(reservations: ReadonlyMap<string, Reservation>) {
  return sql`a.status = 'online' and t.state = 'queued' and t.run_at <= now()
    and (t.retry_avoid_agent_id is null or t.retry_avoid_agent_id <> a.id
      or t.run_at <= now() - ${RETRY_ELSEWHERE_S} * interval '1 second'
      or not exists (select 1 from agents o where o.status = 'online' and o.id <> a.id
        and (t.capabilities = '{}'::text[] or t.capabilities <@ o.capabilities)))
    and (t.workflow_id is null
      or t.workflow_id <> all(array(select id from workflows where paused_at is not null)))
    and (t.capabilities = '{}'::text[] or t.capabilities <@ a.capabilities)
    and (t.requires = '{}'::jsonb or not exists (
      select 1 from jsonb_each_text(t.requires) r
      left join resources p on p.name = r.key
      where case when p.scope = 'pool' then p.in_use + r.value::float8 > p.capacity
        else coalesce((a.capacity ->> r.key)::float8, 0)
          - coalesce((held.held ->> r.key)::float8, 0) < r.value::float8 end
    ))
    and (t.concurrency_key is null or t.concurrency_key <> all(${keysAtLimit}))
    and ${reservationFilter(reservations)}`;
}
