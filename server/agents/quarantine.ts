import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { executePrepared } from "@/db/prepared";
import { queryRows } from "@/db/rows";
import { getConfig } from "@/server/config";
import { recordEvents } from "@/server/events/record";
import { isoTime } from "@/server/tasks/sql";

/** The first cool-down, and the longest: each quarantine before a success doubles it. */
export const QUARANTINE_FIRST_S = 60;
export const QUARANTINE_MAX_S = 3600;

/** A streak remembers at most this many task types (a bound on the row, not a rule). */
const MAX_STREAK_TYPES = 100;

/** One failed attempt, by the agent that held it. */
export interface FailedAttempt {
  agentId: string;
  type: string;
}

/**
 * Agents whose attempts succeeded (tasks.complete): their failure streak and the doubling of
 * their cool-down start again. Writes nothing for an agent without a streak, so the
 * completion path of a healthy fleet pays one index lookup.
 */
export async function recordAttemptSuccess(tx: Executor, agentId: string): Promise<void> {
  // Every completion runs it: prepared (db/prepared.ts).
  await executePrepared(
    tx,
    sql`
    update agent_health set failure_streak = 0, failure_streak_since = null,
      failure_streak_types = '{}'::text[], quarantine_count = 0
    where agent_id = ${agentId} and (failure_streak > 0 or quarantine_count > 0)`,
  );
}

/**
 * Counts failed attempts (a failure reported by the agent, a lease that expired or a timeout)
 * against their agents, and quarantines an agent when, in the same transaction:
 *
 * - its last `threshold` attempts or more all failed (its streak: failures since its last
 *   success, or since an operator released it), and
 * - since the first failure of that streak, another agent succeeded at a task whose type is one
 *   of the types this agent failed in the streak: the work can be done, so the fault is this
 *   agent's. When every agent fails a type, nobody is quarantined: the task type is broken.
 * - it is not quarantined already (failures of tasks it still held count, but do not extend it).
 *
 * The cool-down is QUARANTINE_FIRST_S × 2^(quarantines since its last success), at most
 * QUARANTINE_MAX_S. Its streak is kept after the cool-down: its next failure, while another
 * agent still succeeds, quarantines it again for twice as long.
 *
 * Its agent_health row is written in the failing transaction, after the task rows (the order of
 * every attempt-ending transaction), so two failures committing at once are counted one after
 * the other and only one of them quarantines.
 */
export async function recordAttemptFailures(
  tx: Executor,
  failed: readonly FailedAttempt[],
  threshold = getConfig().taskManager.agents.quarantineAfterFailures,
): Promise<void> {
  const byAgent = new Map<string, string[]>();
  for (const attempt of failed) {
    byAgent.set(attempt.agentId, [...(byAgent.get(attempt.agentId) ?? []), attempt.type]);
  }
  // Sorted: two sweeps batching the same agents lock their rows in one order.
  for (const [agentId, types] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    const [streak] = await queryRows(
      tx,
      "failure streak",
      z.object({ failure_streak: z.number() }),
      sql`
      insert into agent_health as h (agent_id, failure_streak, failure_streak_since,
        failure_streak_types)
      values (${agentId}, ${types.length}, now(), array(
        select distinct type from jsonb_array_elements_text(${JSON.stringify(types)}::jsonb) as u(type)
        order by type limit ${MAX_STREAK_TYPES}))
      on conflict (agent_id) do update set
        failure_streak = h.failure_streak + excluded.failure_streak,
        failure_streak_since = coalesce(h.failure_streak_since, now()),
        failure_streak_types = array(
          select distinct type from unnest(h.failure_streak_types || excluded.failure_streak_types)
            as u(type)
          order by type limit ${MAX_STREAK_TYPES})
      returning failure_streak`,
    );
    if (streak && streak.failure_streak >= threshold) {
      // A batch is read in order: one that takes the streak from 4 to 6 quarantines at the 5th
      // failure (the 6th ran beside it, before anyone could know).
      const before = streak.failure_streak - types.length;
      await quarantineIfOthersSucceed(tx, agentId, Math.max(threshold, before + 1));
    }
  }
}

async function quarantineIfOthersSucceed(
  tx: Executor,
  agentId: string,
  failuresAtDecision: number,
): Promise<void> {
  const [quarantined] = await queryRows(
    tx,
    "quarantine an agent",
    z.object({
      name: z.string(),
      until: z.string(),
      failure_streak: z.number(),
      quarantine_count: z.number(),
      reason: z.string(),
    }),
    sql`
    with evidence as (
      -- One success per type is enough: each probe stops at the first, so a streak that began
      -- hours ago costs no scan of everything that finished since.
      select u.type from agent_health a, unnest(a.failure_streak_types) as u(type)
      where a.agent_id = ${agentId} and exists (
        select 1 from tasks s
        where s.state = 'succeeded' and s.finished_at >= a.failure_streak_since
          and s.type = u.type and s.agent_id <> a.agent_id)
      order by u.type limit 5
    ), cooled as (
      update agent_health a set
        quarantined_until = now() + least(
          ${QUARANTINE_FIRST_S} * power(2, least(a.quarantine_count, 30)), ${QUARANTINE_MAX_S}
        ) * interval '1 second',
        quarantined_at = now(),
        quarantine_count = a.quarantine_count + 1,
        quarantine_reason = format('its last %s attempts failed (task types: %s) while other agents succeeded at %s',
          a.failure_streak, array_to_string(a.failure_streak_types[1:5], ', '),
          (select string_agg(type, ', ') from evidence))
      where a.agent_id = ${agentId}
        and (a.quarantined_until is null or a.quarantined_until <= now())
        and exists (select 1 from evidence)
      returning a.quarantined_until, a.failure_streak, a.quarantine_count, a.quarantine_reason
    )
    -- The name is read, not locked: a heartbeat holds the agent row (see db/schema/agents.ts).
    select (select name from agents where id = ${agentId}) as name,
      ${isoTime(sql`quarantined_until`)} as until, failure_streak, quarantine_count,
      quarantine_reason as reason
    from cooled`,
  );
  if (!quarantined) return;
  await recordEvents(tx, [
    {
      kind: "agent.quarantined",
      agentId,
      data: {
        name: quarantined.name,
        until: quarantined.until,
        /** The failure in the streak that quarantined it; `streak` counts its whole batch. */
        failures: failuresAtDecision,
        streak: quarantined.failure_streak,
        quarantines: quarantined.quarantine_count,
        reason: quarantined.reason,
      },
    },
  ]);
}
