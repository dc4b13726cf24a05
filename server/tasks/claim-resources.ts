import { sql } from "drizzle-orm";
import type { Transaction } from "@/db/client";
import { mapRows } from "@/db/rows";
import { lockConcurrencyKeys } from "./concurrency-keys";
import { backfillAllowed, findReservations, type Reservation } from "./reservations";
import type { SchedulingPolicy } from "./scheduling-policy";
import { textArray } from "./sql";

/**
 * The claim's second half (server/tasks/claim.ts picks the candidates): what the candidates
 * take, under locks, and the allocation rows that record it (docs/architecture.md "Resources
 * and allocation").
 */

/** A task the candidate query offered, with what it needs to be accepted. */
export type Candidate = {
  id: string;
  requires: Record<string, number>;
  timeoutS: number | null;
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
};

/**
 * Takes pool and agent capacity and concurrency-key slots for candidates in claim order,
 * skipping any that no longer fit (the candidate query read pools, keys and reservations
 * without locking them). Under the locks, reservations are read again: what they read then
 * is what the pools and this agent hold, so racing claims cannot both take what a reserved
 * task waits for (an agent-scoped reservation binds only the claims of the agent it holds).
 */
export async function takeResources(
  tx: Transaction,
  agentId: string,
  candidates: readonly Candidate[],
  policy: SchedulingPolicy,
  wait: boolean,
): Promise<{ accepted: Candidate[]; keyFull: boolean }> {
  const lock = wait ? sql`for update` : sql`for update skip locked`;
  const needed = [...new Set(candidates.flatMap((task) => Object.keys(task.requires)))].sort();
  const keyLimits = new Map<string, number>();
  for (const task of candidates) {
    if (task.concurrencyKey) keyLimits.set(task.concurrencyKey, task.concurrencyLimit ?? 1);
  }
  if (needed.length === 0 && keyLimits.size === 0)
    return { accepted: [...candidates], keyFull: false };
  const pools = new Map<string, { capacity: number; inUse: number }>();
  let reservations = new Map<string, Reservation>();
  let nowS = 0;
  if (needed.length > 0) {
    const rows = await mapRows(
      tx,
      "pools to claim from",
      (row, c) => ({
        name: c.string(row, "name"),
        // Nullable in the schema; arithmetic read a null as 0 before the mapper too.
        capacity: c.nullableNumber(row, "capacity") ?? 0,
        in_use: c.number(row, "in_use"),
      }),
      sql`
      select name, capacity, in_use from resources
      where scope = 'pool' and name = any(${textArray(needed)})
      order by name ${lock}`,
    );
    for (const row of rows) pools.set(row.name, { capacity: row.capacity, inUse: row.in_use });
    if (!wait) {
      // A pool skipped as locked must not pass for an agent-scoped name below.
      const all = await mapRows(
        tx,
        "pools skipped as locked",
        (row, c) => ({ name: c.string(row, "name") }),
        sql`
        select name from resources
        where scope = 'pool' and name = any(${textArray(needed)})`,
      );
      for (const row of all) {
        if (!pools.has(row.name)) pools.set(row.name, { capacity: 0, inUse: Infinity });
      }
    }
  }
  const keys = keyLimits.size > 0 ? await lockConcurrencyKeys(tx, keyLimits, wait) : new Map();
  const free = needed.some((name) => !pools.has(name))
    ? await lockFreeCapacity(tx, agentId, lock)
    : {};
  // After the pools and the agent row are locked: what the reservations read is what they hold.
  if (needed.length > 0) {
    ({ reservations, nowS } = await findReservations(tx, policy.reserveAfterS, needed, agentId));
  }

  const accepted: Candidate[] = [];
  const taken = new Map<string, number>();
  let keyFull = false;
  for (const task of candidates) {
    const slot = task.concurrencyKey ? keys.get(task.concurrencyKey) : undefined;
    if (slot && slot.running >= slot.limit) {
      keyFull = true;
      continue;
    }
    const fits = Object.entries(task.requires).every(([name, amount]) => {
      const reserved = reservations.get(name);
      const allowed =
        !reserved ||
        reserved.taskId === task.id ||
        backfillAllowed(reserved, amount, task.timeoutS, nowS);
      const pool = pools.get(name);
      if (!pool) return allowed && (free[name] ?? 0) >= amount;
      return allowed && pool.inUse + amount <= pool.capacity;
    });
    if (!fits) continue;
    accepted.push(task);
    if (slot) slot.running++;
    for (const [name, amount] of Object.entries(task.requires)) {
      const pool = pools.get(name);
      if (pool) {
        pool.inUse += amount;
        taken.set(name, (taken.get(name) ?? 0) + amount);
      } else {
        free[name] = (free[name] ?? 0) - amount;
      }
      const reserved = reservations.get(name);
      if (reserved?.taskId === task.id) reservations.delete(name);
      else if (reserved && amount <= reserved.extra) reserved.extra -= amount;
    }
  }
  if (taken.size > 0) {
    const amounts = Object.fromEntries(taken);
    await tx.execute(sql`
      update resources p set in_use = p.in_use + t.value::float8, updated_at = now()
      from jsonb_each_text(${JSON.stringify(amounts)}::jsonb) t
      where p.name = t.key`);
  }
  return { accepted, keyFull };
}

/**
 * The agent's capacity less what its open allocations hold, under a lock on the agent row:
 * concurrent claims for one agent take its capacity one after the other. Only claims that
 * need agent-scoped resources pay for the lock (pools first, then the agent: one order).
 */
async function lockFreeCapacity(
  tx: Transaction,
  agentId: string,
  lock: ReturnType<typeof sql>,
): Promise<Record<string, number>> {
  const [row] = await mapRows(
    tx,
    "agent capacity held",
    (row, c) => ({ capacity: c.numberRecord(row, "capacity"), held: c.numberRecord(row, "held") }),
    sql`
    select capacity, (
      select coalesce(jsonb_object_agg(resource, amount), '{}'::jsonb) from (
        select resource, sum(amount)::float8 as amount from allocations
        where agent_id = ${agentId} and released_at is null group by resource) h
    ) as held
    from agents where id = ${agentId} ${lock}`,
  );
  const free = { ...row?.capacity };
  for (const [name, amount] of Object.entries(row?.held ?? {}))
    free[name] = (free[name] ?? 0) - amount;
  return free;
}

/**
 * Allocation times are clock_timestamp(), not now() (the transaction's start): a claim that
 * waited on a pool lock must not appear to hold capacity before its predecessor released it.
 */
export async function recordAllocations(
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
