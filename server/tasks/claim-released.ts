import { type SQL, sql } from "drizzle-orm";
import type { Transaction } from "@/db/client";
import { executePrepared } from "@/db/prepared";
import { mapResult } from "@/db/rows";
import type { Principal } from "@/server/auth/roles";
import { CHANNELS } from "@/server/events/record";
import { type ClaimedTask, claimedTask } from "./claim";
import { fairGroup } from "./claim-order";
import { uuidArray } from "./sql";
import { claimedColumns, startAttempts } from "./start-attempts";

/**
 * The claim inside a completion (complete-and-claim.ts), when that completion's own releases
 * are the whole queue: one statement instead of the general claim's five (quarantine gate,
 * reservations, candidates, resources, transition), whose planning alone cost more than a
 * chain's whole hop should.
 *
 * It claims the tasks this completion just readied (`readied`, row-locked by this transaction
 * already) only when the general claim would take exactly those:
 * - no other task is queued at all (any priority, group or run time), so no claim order,
 *   fair-share rotation or reservation can put another task first;
 * - every readied task is claimable by this agent as the general claim's filter reads it:
 *   the agent online, owned by the principal and not quarantined; capabilities held; the
 *   workflow not paused; due (`run_at`); not kept from this agent by a retry;
 * - none needs a resource or a concurrency key (nothing to take, reserve or count: the
 *   general claim accepts every such candidate);
 * - they fit in one claim (`max`) and share one fair-share group under either grouping, so
 *   every policy's claim order among them is priority, then first queued (the order returned).
 * Anything else, even one readied task failing a test, and this claims nothing and returns
 * null: the caller runs the general claim. The transition, its events and NOTIFY are the
 * general claim's (claim.ts claimPass), column for column.
 *
 * "No other task is queued" walks the claim's index (tasks_claim_idx) for its first entry, not
 * `not exists`: the planner sizes an `exists` by the last ANALYZE, and after a burst drained
 * it still counted the burst as queued and scanned the whole table for one, 9 of a hop's 11 ms
 * until autovacuum came (bench --only throughput --profile). An ordered `limit 1` takes the
 * index whatever the statistics say.
 */
export async function claimReleased(
  tx: Transaction,
  agentId: string,
  readied: readonly string[],
  max: number,
  principal?: Principal,
): Promise<ClaimedTask[] | null> {
  const ids = [...new Set(readied)];
  if (ids.length === 0 || ids.length > max) return null;
  const rows = await executePrepared(
    tx,
    claimReleasedQuery(agentId, sql`select unnest(${uuidArray(ids)}) as id`, max, principal),
  );
  const claimed = claimedRows(rows);
  return claimed.length === 0 ? null : claimed;
}

/**
 * claimReleased's statement, with the readied tasks given as a query of their ids (`readied`,
 * a column `id`), so that a caller may find them in SQL, in the statement that follows the
 * completion in one round trip (complete-in-one-trip.ts). Answers a row per claimed task.
 *
 * `wakeIfLeft`: when it claims none of a non-empty `readied` (any test failed), NOTIFY the
 * claimers' channel, as the completion would have, had it known (it then answers one row of
 * nulls; claimedRows skips it).
 */
export function claimReleasedQuery(
  agentId: string,
  readied: SQL,
  max: number,
  principal?: Principal,
  options: { wakeIfLeft?: boolean } = {},
): SQL {
  const owned =
    principal && principal.role !== "admin" ? sql`and a.token_id = ${principal.tokenId}` : sql``;
  const answer = sql`select ${claimedColumns}, c.priority, c.queued_at
    from claimed c left join notified on true`;
  return sql`
    with readied as (${readied}), agent as (
      select a.id, a.capabilities from agents a
      where a.id = ${agentId} ${owned} and a.status = 'online'
        and not exists (select 1 from agent_health h
          where h.agent_id = a.id and h.quarantined_until > now())
    ), picked as (
      select t.id, ${fairGroup("workflow", "t")} as by_workflow,
        ${fairGroup("submitter", "t")} as by_submitter
      from tasks t cross join agent a
      where t.id in (select id from readied) and t.state = 'queued' and t.run_at <= now()
        and t.requires = '{}'::jsonb and t.concurrency_key is null
        and (t.retry_avoid_agent_id is null or t.retry_avoid_agent_id <> a.id)
        and (t.workflow_id is null
          or t.workflow_id <> all(array(select id from workflows where paused_at is not null)))
        and (t.capabilities = '{}'::text[] or t.capabilities <@ a.capabilities)
    ), whole as (
      select (select count(*) from readied) between 1 and ${max}
        and (select count(*) from picked) = (select count(*) from readied)
        and (select count(distinct (by_workflow, by_submitter)) from picked) = 1
        and (select o.id from tasks o where o.state = 'queued'
          and o.id not in (select id from readied)
          order by o.priority desc nulls last, o.queued_at, o.id limit 1) is null as ok
    ), ${startAttempts(
      agentId,
      sql`id in (select id from picked) and (select ok from whole)`,
      sql`, priority, queued_at`,
    )},
    notified as (
      select pg_notify(${CHANNELS.events}, max(id)::text) from events having count(*) > 0
    )${
      options.wakeIfLeft
        ? sql`, woken as (
      select pg_notify(${CHANNELS.queue}, '') as woken
      where exists (select 1 from readied) and not (select ok from whole)
    )
    select c.* from (select 1) one left join woken on true left join (${answer}) c on true`
        : answer
    }
    order by c.priority desc nulls last, c.queued_at, c.id`;
}

/** The tasks claimReleasedQuery's rows name (none for its row of nulls). */
export function claimedRows(rows: readonly unknown[]): ClaimedTask[] {
  return mapResult(
    "claim released tasks",
    claimedTask,
    rows.filter((row) => (row as { id?: unknown }).id != null),
  );
}
