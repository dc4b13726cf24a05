import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import type { taskEvents } from "@/db/schema/tasks";

/** NOTIFY channels. Payloads are hints only; the tables hold the truth. */
export const CHANNELS = {
  /** A new event row exists (payload: its id). Each instance's listener fans out from here. */
  events: "tm_events",
  /** A task became claimable: long-polling claims wake up and try again. */
  queue: "tm_queue",
  /** A token was revoked (payload: its id): its open event streams end. */
  revoked: "tm_revoked",
  /** A task has new log lines (payload: `taskId:lastSeq`): only its followers wake up. */
  logs: "tm_logs",
} as const;

export type EventKind =
  | "task.submitted"
  | "task.queued"
  | "task.started"
  | "task.progress"
  | "task.succeeded"
  | "task.failed"
  | "task.retrying"
  | "task.cancelled"
  | "task.priority"
  /** A retried task that waits for its upstream again (server/workflows/retry.ts). */
  | "task.blocked"
  /** A ready task with a waitFor now waits for its signal; data: signal, timeoutAt. */
  | "task.waiting"
  /** tasks.signal resolved a waiting task; data: signal, outcome, by. task.succeeded/failed follow. */
  | "task.signalled"
  | "workflow.submitted"
  | "workflow.cancelled"
  | "workflow.retried"
  | "workflow.paused"
  | "workflow.resumed"
  | "agent.registered"
  | "agent.draining"
  | "agent.resumed"
  | "agent.offline"
  /** Too many failed attempts while others succeed (server/agents/quarantine.ts). */
  | "agent.quarantined"
  /** An operator ended a quarantine (agents.release). */
  | "agent.released"
  | "resource.updated"
  | "alert.opened"
  | "alert.updated"
  | "alert.resolved"
  | "alert.acknowledged"
  /** A schedule submitted a run (server/schedules/); data names the schedule and fire time. */
  | "schedule.fired"
  /** A fire the overlap policy did not run; data.reason says why. */
  | "schedule.skipped"
  /** Fires were missed while no scheduler ran; data says how many, and how many were replayed. */
  | "schedule.caught_up"
  /** A schedule was created, changed (paused, resumed, edited) or deleted; data.change says which. */
  | "schedule.changed";

export type NewEvent = Omit<typeof taskEvents.$inferInsert, "id" | "createdAt" | "kind"> & {
  kind: EventKind;
};

/**
 * Appends events in the caller's transaction and NOTIFYs listeners, which PostgreSQL delivers
 * only at commit: a listener never hears of an event it cannot yet read.
 *
 * One statement and one JSON parameter for any number of events: transitions come in batches
 * (claims, completeMany), and a multi-row VALUES list costs parameters and client CPU per row.
 */
export async function recordEvents(tx: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.execute(recordEventsQuery(events));
}

/** recordEvents' statement, for a transaction sent in one trip (db/one-trip-transaction.ts). */
export function recordEventsQuery(events: readonly NewEvent[]): SQL {
  return sql`
    with inserted as (
      insert into task_events (kind, task_id, workflow_id, agent_id, from_state, to_state, data)
      select v.kind, v."taskId", v."workflowId", v."agentId", v."fromState"::task_state,
        v."toState"::task_state, coalesce(v.data, '{}'::jsonb)
      from rows from (jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
        as (kind text, "taskId" uuid, "workflowId" uuid, "agentId" uuid, "fromState" text,
            "toState" text, data jsonb)) with ordinality as v
      order by v.ordinality
      returning id
    )
    select pg_notify(${CHANNELS.events}, max(id)::text) from inserted`;
}

/** Wakes long-polling claims, at commit. Duplicate notifications in one transaction collapse. */
export async function notifyQueue(tx: Executor): Promise<void> {
  await tx.execute(notifyQueueQuery());
}

export function notifyQueueQuery(): SQL {
  return sql`select pg_notify(${CHANNELS.queue}, '')`;
}
