import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import type { ColumnReader, RawRow } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import type { TaskState } from "@/lib/tasks/states";
import { type NewEvent, notifyQueue, recordEvents } from "@/server/events/record";
import { releaseAllocations } from "./allocations";
import { releaseDependents } from "./release";

/** A task whose attempt just ended, as returned by the statement that ended it. */
export type EndedAttempt = {
  id: string;
  workflow_id: string | null;
  agent_id: string | null;
  state: TaskState;
  from_state: TaskState;
  /** Whether it held resources (skips the allocation update for tasks that hold none). */
  held_resources: boolean;
  /** Whether it held a concurrency-key slot. */
  held_key: boolean;
  attempts: number;
};

/**
 * An EndedAttempt from a row of `endedColumns`. A mapper, not a zod schema: every completion,
 * failure and hand-back reads these, and a per-row parse would show in the benchmark.
 */
export function endedAttempt(row: RawRow, c: ColumnReader): EndedAttempt {
  return {
    id: c.string(row, "id"),
    workflow_id: c.nullableString(row, "workflow_id"),
    agent_id: c.nullableString(row, "agent_id"),
    state: c.member(row, "state", taskStateEnum.enumValues),
    from_state: c.member(row, "from_state", taskStateEnum.enumValues),
    held_resources: c.boolean(row, "held_resources"),
    held_key: c.boolean(row, "held_key"),
    attempts: c.number(row, "attempts"),
  };
}

/** Columns every attempt-ending statement returns, to build EndedAttempt rows. */
export const endedColumns = (fromState: SQL) => sql`
  t.id, t.workflow_id, t.agent_id, t.state, ${fromState} as from_state,
  t.requires <> '{}'::jsonb as held_resources, t.concurrency_key is not null as held_key,
  t.attempts`;

/**
 * What follows the end of attempts, in the same transaction: resources go back, dependents move
 * on (or are cancelled), events are written and claimers woken.
 */
export async function settleEndedAttempts(
  tx: Executor,
  ended: readonly EndedAttempt[],
  eventData: (row: EndedAttempt) => Record<string, unknown>,
  options: {
    /** The statement that ended them wrote their events (completeWithin). */
    recorded?: boolean;
    /**
     * "defer": wake no claimer; the caller does, unless it claimed every readied task itself
     * (complete-and-claim.ts) — nobody else could take them then.
     */
    wakeClaimers?: "now" | "defer";
  } = {},
): Promise<SettleResult> {
  if (ended.length === 0) return { readied: [], freed: false };
  await releaseAllocations(
    tx,
    ended.filter((row) => row.held_resources).map((row) => row.id),
  );
  const release = await releaseDependents(tx, {
    succeeded: ended.filter((row) => row.state === "succeeded").map((row) => row.id),
    endedBadly: ended
      .filter((row) => row.state === "failed" || row.state === "cancelled")
      .map((row) => row.id),
  });
  const events: NewEvent[] = (options.recorded ? [] : ended).map((row) => ({
    kind: row.state === "queued" ? "task.retrying" : (`task.${row.state}` as NewEvent["kind"]),
    taskId: row.id,
    workflowId: row.workflow_id,
    agentId: row.agent_id,
    fromState: row.from_state,
    toState: row.state,
    data: { attempt: row.attempts, ...eventData(row) },
  }));
  await recordEvents(tx, [...events, ...release.events]);
  // Retries wait for their backoff (the scheduler wakes claimers then); releases are ready now,
  // and so are tasks waiting for the capacity or concurrency-key slot an attempt gave back (a
  // reserved task among them).
  const freed =
    ended.some((row) => row.from_state === "running" && (row.held_resources || row.held_key)) ||
    ended.some((row) => row.state === "queued");
  if ((options.wakeClaimers ?? "now") === "now" && (release.queued || freed)) await notifyQueue(tx);
  const readied = release.events.flatMap((event) =>
    event.toState === "queued" && event.taskId ? [event.taskId] : [],
  );
  return { readied, freed };
}

export interface SettleResult {
  /** Tasks that became queued. */
  readied: string[];
  /** Whether anything else may have become claimable: capacity, a key slot, a retry. */
  freed: boolean;
}

/**
 * SET clause of a failed attempt: requeued with exponential backoff while attempts remain and
 * the failure is retryable, failed for good otherwise (docs/architecture.md "Task states").
 */
export function retryOrFail(error: SQL, retryable: SQL): SQL {
  const retry = sql`(${retryable} and t.attempts < t.max_attempts)`;
  return sql`
    state = case when ${retry} then 'queued'::task_state else 'failed'::task_state end,
    error = ${error},
    run_at = case when ${retry}
      then now() + least(t.backoff_base_s * power(2, greatest(t.attempts - 1, 0)), t.backoff_max_s) * interval '1 second'
      else t.run_at end,
    queued_at = case when ${retry} then now() else t.queued_at end,
    agent_id = case when ${retry} then null else t.agent_id end,
    retry_avoid_agent_id = case when ${retry} then t.agent_id else null end,
    lease_expires_at = null,
    finished_at = case when ${retry} then null else now() end,
    updated_at = now()`;
}
