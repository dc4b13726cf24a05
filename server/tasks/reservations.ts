import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { type ColumnReader, mapRows, type RawRow } from "@/db/rows";
import { chooseReservedAgents } from "./agent-reservations";
import { shadowOf } from "./shadow-time";
import { isoTime, textArray } from "./sql";

/**
 * A resource held for the longest-waiting task that needs more of it than is free (README
 * "Scheduling"): a pool, or an agent-scoped resource on the one agent chosen to fit the task
 * soonest (`agentId`; server/tasks/agent-reservations.ts). `shadowS` is when the reserved
 * amount is sure to be free, every holder running to its timeoutS (epoch seconds; null: a
 * holder without timeoutS stands in the way, so no such time is known). `extra` is what
 * another task may take and still not delay it. Capacity and free are the pool's, or that
 * agent's.
 */
export interface Reservation {
  /** The resource's name: a pool, or an agent-scoped resource when `agentId` is set. */
  pool: string;
  scope: "pool" | "agent";
  agentId: string | null;
  agentName: string | null;
  taskId: string;
  taskName: string;
  amount: number;
  capacity: number;
  free: number;
  /** ISO 8601: when the task had waited reserve_after_s. */
  since: string;
  shadowS: number | null;
  extra: number;
}

// A mapper, not a zod schema: every claim that needs a pool reads reservations.
const reservedRow = (row: RawRow, c: ColumnReader) => ({
  pool: c.string(row, "pool"),
  scope: c.string(row, "scope"),
  // Nullable in the schema; arithmetic read a null as 0 before the mapper too.
  capacity: c.nullableNumber(row, "capacity") ?? 0,
  in_use: c.number(row, "in_use"),
  task_id: c.string(row, "task_id"),
  task_name: c.string(row, "task_name"),
  amount: c.number(row, "amount"),
  since: c.string(row, "since"),
  now_s: c.number(row, "now_s"),
});

/**
 * The reservation of each resource (of `pools` only, when given), as the database is now.
 * With `agentId`, an agent-scoped reservation counts only when it is held on that agent: it
 * does not stand in the way of the other agents' claims.
 *
 * The reserved task is the first in claim order (priority, then longest queued) among tasks
 * that have waited `reserveAfterS` and could run: not paused, their capabilities held by an
 * online agent, the amount within the pool's capacity (agent-scoped: within that agent's).
 * Derived on each call rather than stored, so it can never outlive its task. A claim calls
 * this after locking the pools and (for agent-scoped resources) its agent row, so what it
 * reads is what they hold.
 */
export async function findReservations(
  db: Executor,
  reserveAfterS: number,
  pools?: readonly string[],
  agentId?: string,
): Promise<{ reservations: Map<string, Reservation>; nowS: number }> {
  const only = pools ? sql`and p.name = any(${textArray(pools)})` : sql``;
  // Priority levels first (a skip scan of tasks_claim_requires_idx), then within each level
  // a range scan of the tasks queued before the cutoff only: a long queue of young tasks
  // costs nothing, and the first match in the highest level is the reserved task.
  const rows = await mapRows(
    db,
    "reservations",
    reservedRow,
    sql`
    with recursive levels(priority) as (
      (select priority from tasks where state = 'queued' and requires <> '{}'::jsonb
        order by priority desc nulls last limit 1)
      union all
      select (select t.priority from tasks t
        where t.state = 'queued' and t.requires <> '{}'::jsonb and t.priority < l.priority
        order by t.priority desc nulls last limit 1)
      from levels l where l.priority is not null
    ), cutoff as (
      select now() - make_interval(secs => ${reserveAfterS}) as at
    )
    select p.name as pool, p.scope, p.capacity, p.in_use, r.id as task_id, r.name as task_name, r.amount,
      ${isoTime(sql`r.since`)} as since, extract(epoch from now())::float8 as now_s
    from resources p cross join cutoff cross join lateral (
      select t.id, t.name, (t.requires ->> p.name)::float8 as amount,
        greatest(t.queued_at, t.run_at) + make_interval(secs => ${reserveAfterS}) as since
      from levels l cross join lateral (
        select t.* from tasks t
        where t.state = 'queued' and t.requires <> '{}'::jsonb and t.priority = l.priority
          and t.queued_at <= cutoff.at and t.run_at <= cutoff.at and t.requires ? p.name
          and (p.scope = 'agent' or (t.requires ->> p.name)::float8 <= p.capacity)
          and (t.workflow_id is null
            or t.workflow_id <> all(array(select id from workflows where paused_at is not null)))
          and exists (select 1 from agents a
            where a.status = 'online' and t.capabilities <@ a.capabilities
              and (p.scope = 'pool'
                or coalesce((a.capacity ->> p.name)::float8, 0) >= (t.requires ->> p.name)::float8))
        order by t.queued_at, t.id
        limit 1
      ) t
      where l.priority is not null
      order by l.priority desc
      limit 1
    ) r
    where true ${only}`,
    { prepared: true },
  );
  const reservations = new Map<string, Reservation>();
  const [first] = rows;
  if (!first) return { reservations, nowS: Date.now() / 1000 };
  const onAgents = rows.filter((row) => row.scope === "agent");
  for (const held of await chooseReservedAgents(db, onAgents, first.now_s)) {
    if (agentId !== undefined && held.agentId !== agentId) continue;
    reservations.set(held.pool, { scope: "agent", ...held });
  }
  const pooled = rows.filter((row) => row.scope === "pool");
  if (pooled.length === 0) return { reservations, nowS: first.now_s };
  const holders = await mapRows(
    db,
    "holders of reserved pools",
    (row, c) => ({
      resource: c.string(row, "resource"),
      amount: c.number(row, "amount"),
      deadline_s: c.nullableNumber(row, "deadline_s"),
    }),
    sql`
    select a.resource, a.amount,
      extract(epoch from t.started_at + t.timeout_s * interval '1 second')::float8 as deadline_s
    from allocations a join tasks t on t.id = a.task_id
    where a.released_at is null
      and a.resource = any(${textArray(pooled.map((row) => row.pool))})`,
  );
  for (const row of pooled) {
    const free = row.capacity - row.in_use;
    const { shadowS, extra } = shadowOf(
      free,
      row.amount,
      first.now_s,
      holders.filter((h) => h.resource === row.pool),
    );
    reservations.set(row.pool, {
      pool: row.pool,
      scope: "pool",
      agentId: null,
      agentName: null,
      taskId: row.task_id,
      taskName: row.task_name,
      amount: row.amount,
      capacity: row.capacity,
      free,
      since: row.since,
      shadowS,
      extra,
    });
  }
  return { reservations, nowS: first.now_s };
}

/**
 * Whether a task other than the reserved one may take `amount` of a reserved pool: it fits in
 * what the reservation leaves over, or it is sure to end (its timeoutS) before the shadow time.
 */
export function backfillAllowed(
  reservation: Reservation,
  amount: number,
  timeoutS: number | null,
  nowS: number,
): boolean {
  if (amount <= reservation.extra) return true;
  return (
    timeoutS !== null && reservation.shadowS !== null && nowS + timeoutS <= reservation.shadowS
  );
}

/**
 * The same rule in SQL, for the candidate query's unlocked pre-filter (`t` is the task):
 * true when no reservation of another task stands in its way.
 */
export function reservationFilter(reservations: ReadonlyMap<string, Reservation>) {
  if (reservations.size === 0) return sql`true`;
  const compact = Object.fromEntries(
    [...reservations].map(([pool, r]) => [
      pool,
      { task: r.taskId, extra: r.extra, shadow: r.shadowS },
    ]),
  );
  return sql`(t.requires = '{}'::jsonb or not exists (
    select 1 from jsonb_each_text(t.requires) need
    join jsonb_each(${JSON.stringify(compact)}::jsonb) held on held.key = need.key
    where held.value ->> 'task' <> t.id::text
      and need.value::float8 > (held.value ->> 'extra')::float8
      and not (t.timeout_s is not null and held.value ->> 'shadow' is not null
        and extract(epoch from now()) + t.timeout_s <= (held.value ->> 'shadow')::float8)))`;
}
