import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { taskEvents } from "@/db/schema/tasks";

/** NOTIFY channels. Payloads are hints only; the tables hold the truth. */
export const CHANNELS = {
  /** A new event row exists (payload: its id). Each instance's listener fans out from here. */
  events: "tm_events",
  /** A task became claimable: long-polling claims wake up and try again. */
  queue: "tm_queue",
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
  | "workflow.submitted"
  | "agent.registered"
  | "agent.draining"
  | "agent.resumed"
  | "agent.offline"
  | "resource.updated";

export type NewEvent = Omit<typeof taskEvents.$inferInsert, "id" | "createdAt" | "kind"> & {
  kind: EventKind;
};

/**
 * Appends events in the caller's transaction and NOTIFYs listeners, which PostgreSQL delivers
 * only at commit: a listener never hears of an event it cannot yet read.
 */
export async function recordEvents(tx: Executor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const [last] = await tx
    .insert(taskEvents)
    .values(events)
    .returning({ id: taskEvents.id })
    .then((rows) => rows.slice(-1));
  await tx.execute(sql`select pg_notify(${CHANNELS.events}, ${String(last?.id ?? "")})`);
}

/** Wakes long-polling claims, at commit. Duplicate notifications in one transaction collapse. */
export async function notifyQueue(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_notify(${CHANNELS.queue}, '')`);
}
