import { type SQL, sql } from "drizzle-orm";
import type { Transaction } from "@/db/client";
import { executePrepared } from "@/db/prepared";
import { mapResult } from "@/db/rows";
import { apiTokens } from "@/db/schema/auth";
import type { Principal } from "@/server/auth/roles";
import { tokenIsLive } from "@/server/auth/tokens";
import { CHANNELS } from "@/server/events/record";
import type { LeaseCaller } from "./fencing";
import type { CompleteItem } from "./finish";
import { countDownUpdate } from "./release";
import { type EndedAttempt, endedAttempt, endedColumns } from "./settle";
import { uuidArray } from "./sql";

export interface CompletedRows {
  ended: EndedAttempt[];
  /**
   * false: some attempt held resources, and only the attempts were ended and their events
   * written; the caller settles them (settle.ts) and ends the streak (quarantine.ts).
   */
  settled: boolean;
  /** Dependents the completions made queued (not those now waiting for a signal). */
  readied: string[];
}

/**
 * The whole of a completion but its resources, in two statements: the attempts end
 * (`task.succeeded`, completeQuery), then the dependents they unblock are counted down and
 * readied (`task.queued` or `task.waiting`) and the agent's failure streak ends (releaseQuery).
 * completeWithin ran these as five statements, each a round trip that a chain's every hop waited
 * for; complete-in-one-trip.ts sends both at once.
 *
 * Two statements, not one: the count-down must read the dependents in a snapshot taken once
 * the completion holds its rows. A workflow retry (server/workflows/retry.ts) locks the
 * dependents it puts back to blocked, then waits for the upstream rows a completion holds, and
 * counts from their new state; a count-down in the completion's own statement would still see
 * those dependents cancelled and skip them, leaving their counters one too high.
 *
 * Their order is that of every attempt-ending transaction: task rows, then agent_health, events
 * of the completions before those of the releases. A successful completion cancels nothing
 * downstream, so release.ts's cascade has no part here. Attempts that held resources are only
 * ended: every other transaction that ends attempts locks the pools before the dependents and
 * agent_health, and so must this one, or two could deadlock; the caller settles those as they do.
 */
export async function completeStatement(
  tx: Transaction,
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  options: CompleteOptions,
): Promise<CompletedRows> {
  const ended = endedRows(await executePrepared(tx, completeQuery(caller, items, options)));
  if (ended.length === 0 || ended.some((row) => row.held_resources))
    return { ended, settled: ended.length === 0, readied: [] };
  const released = await executePrepared(
    tx,
    releaseQuery(caller.agentId, items, { wake: options.wake.readied }),
  );
  return { ended, settled: true, readied: readiedIds(released) };
}

export interface CompleteOptions {
  owner?: Principal;
  /**
   * NOTIFY the claimers' channel when a dependent became queued (`readied`), or an attempt gave
   * back a concurrency-key slot (`freed`): settle.ts's rule. What is not asked, the caller does
   * (complete-and-claim.ts wakes claimers only for what its claim left).
   */
  wake: { readied: boolean; freed: boolean };
  /**
   * Leave attempts that hold resources running (complete-in-one-trip.ts: its transaction
   * cannot settle them; the caller completes them in one that can).
   */
  skipResourceHolders?: boolean;
  /**
   * Complete nothing unless this token may act (not revoked, not expired): the liveness check
   * a request with a remembered principal owes (server/auth/deferred-liveness.ts), made in the
   * very statement that makes its change, so a revocation committed before it is seen.
   */
  liveToken?: string;
}

/**
 * The completions: the transitions, their events and the NOTIFY, fenced by (task, epoch,
 * agent) and, with `owner`, on the token owning the agent. `t.id = any(…)` has the rows found by
 * primary key: joined on the recordset alone, the planner (which guesses one running task per
 * agent) read every running task to find them.
 */
export function completeQuery(
  caller: LeaseCaller,
  items: readonly CompleteItem[],
  options: Omit<CompleteOptions, "wake"> & { wake: { freed: boolean } },
): SQL {
  const { owner } = options;
  const values = items.map((item) => ({ ...item, result: item.result ?? null }));
  const owned = !owner
    ? sql``
    : sql`and exists (select 1 from agents a where a.id = ${caller.agentId}
        ${owner.role === "admin" ? sql`` : sql`and a.token_id = ${owner.tokenId}`})`;
  const heldBack = options.skipResourceHolders ? sql`and t.requires = '{}'::jsonb` : sql``;
  const live = options.liveToken
    ? sql`and exists (select 1 from ${apiTokens} where ${apiTokens.id} = ${options.liveToken}
        and ${tokenIsLive})`
    : sql``;
  const woken = options.wake.freed
    ? sql`, woken as (
      select pg_notify(${CHANNELS.queue}, '') where exists (select 1 from ended where held_key)
    )`
    : sql``;
  // Only a data-modifying CTE runs unread; a plain select runs when read.
  const readWoken = options.wake.freed ? sql`left join woken on true` : sql``;
  return sql`
    with ended as (
      update tasks t set state = 'succeeded', result = v.result, progress = 1,
        finished_at = now(), lease_expires_at = null, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
        as v("taskId" uuid, "leaseEpoch" int, result jsonb)
      where t.id = any(${uuidArray(items.map((item) => item.taskId))})
        and t.id = v."taskId" and t.lease_epoch = v."leaseEpoch"
        and t.agent_id = ${caller.agentId} and t.state = 'running' ${owned} ${heldBack} ${live}
      returning ${endedColumns(sql`'running'::task_state`)}
    ), events as (
      insert into task_events (kind, task_id, workflow_id, agent_id, from_state, to_state, data)
      select 'task.succeeded', e.id, e.workflow_id, e.agent_id, e.from_state, e.state,
        jsonb_build_object('attempt', e.attempts)
      from ended e
      returning id
    ), notified as (
      select pg_notify(${CHANNELS.events}, max(id)::text) from events having count(*) > 0
    )${woken}
    select e.* from ended e left join notified on true ${readWoken}`;
}

/**
 * What follows the completions of `items` that this transaction made (completeQuery's, found
 * again as the agent's tasks finished at this transaction's now()): their dependents are
 * counted down, those reaching zero readied with their events, and the agent's failure streak
 * ends. One row: `readied`, the ids that became queued, comma-separated. `wake`: NOTIFY the
 * claimers' channel when one did.
 */
export function releaseQuery(
  agentId: string,
  items: readonly CompleteItem[],
  options: { wake: boolean },
): SQL {
  const woken = options.wake
    ? sql`, woken as (
      select pg_notify(${CHANNELS.queue}, '') where exists (select 1 from counted where state = 'queued')
    )`
    : sql``;
  const readWoken = options.wake ? sql`left join woken on true` : sql``;
  return sql`
    with ended as (
      ${completedHere(agentId, items)}
    ), edges as (
      select task_id as id, count(*)::int as n from task_dependencies
      where depends_on_id in (select id from ended) group by task_id
    ), counted as (${countDownUpdate(sql`edges v`)}
    ), released as (
      insert into task_events (kind, task_id, workflow_id, from_state, to_state, data)
      select case when c.state = 'waiting' then 'task.waiting' else 'task.queued' end,
        c.id, c.workflow_id, 'blocked', c.state,
        case when c.state = 'waiting' then jsonb_build_object('signal', c.wait_signal,
          'timeoutAt', to_char(c.wait_deadline at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        else '{}'::jsonb end
      from counted c
      where c.state in ('queued', 'waiting')
      returning id
    ), notified as (
      select pg_notify(${CHANNELS.events}, max(id)::text) from released having count(*) > 0
    ), streak as (
      update agent_health set failure_streak = 0, failure_streak_since = null,
        failure_streak_types = '{}'::text[], quarantine_count = 0
      where agent_id = ${agentId} and (failure_streak > 0 or quarantine_count > 0)
        and exists (select 1 from ended)
    )${woken}
    select (select string_agg(id::text, ',') from counted where state = 'queued') as readied
    from (select 1) one left join notified on true ${readWoken}`;
}

/**
 * The tasks of `items` this transaction completed: succeeded, the agent's, finished at this
 * transaction's now() (completeQuery's finished_at). A query of `id`s.
 *
 * The state is compared as text, a check no index can serve: compared as itself, on statistics
 * taken before most tasks finished (a fresh service, before autovacuum's next analyze), the
 * planner read every succeeded task from tasks_state_created_idx to find these few by id
 * (release-plan.test.ts).
 */
export function completedHere(agentId: string, items: readonly CompleteItem[]): SQL {
  return sql`select p.id from tasks p
    where p.id = any(${uuidArray(items.map((item) => item.taskId))})
      and p.state::text = 'succeeded' and p.agent_id = ${agentId} and p.finished_at = now()`;
}

/** completeQuery's rows. */
export function endedRows(result: readonly unknown[]): EndedAttempt[] {
  return mapResult("complete tasks", endedAttempt, result);
}

/** releaseQuery's answer. */
export function readiedIds(result: readonly unknown[]): string[] {
  const [row] = mapResult(
    "release dependents",
    (row, c) => c.nullableString(row, "readied"),
    result,
  );
  return row?.split(",") ?? [];
}
