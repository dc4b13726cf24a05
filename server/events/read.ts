import { and, asc, gt, lte } from "drizzle-orm";
import type { Database } from "@/db/client";
import { taskEvents } from "@/db/schema/tasks";
import { type EventFilter, filterCondition } from "./filter";

/** A task_events row as the database returns it. */
export type EventRow = typeof taskEvents.$inferSelect;

/** An event on the wire (plain JSON): `events.stream` and `events.list`. */
export interface WireEvent {
  id: number;
  kind: string;
  taskId: string | null;
  workflowId: string | null;
  agentId: string | null;
  fromState: EventRow["fromState"];
  toState: EventRow["toState"];
  data: unknown;
  /** ISO 8601, UTC. */
  createdAt: string;
}

export function toWireEvent(row: EventRow): WireEvent {
  return {
    id: row.id,
    kind: row.kind,
    taskId: row.taskId,
    workflowId: row.workflowId,
    agentId: row.agentId,
    fromState: row.fromState,
    toState: row.toState,
    data: row.data,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface ReadEventsParams {
  filter: EventFilter;
  /** Exclusive. */
  afterId: number;
  /** Inclusive: a settled bound (settled.ts), so that nothing below it can appear later. */
  upTo: number;
  limit: number;
}

/** Matching events in (afterId, upTo], oldest first, at most `limit`. */
export function readEvents(db: Database, params: ReadEventsParams): Promise<EventRow[]> {
  return db
    .select()
    .from(taskEvents)
    .where(
      and(
        gt(taskEvents.id, params.afterId),
        lte(taskEvents.id, params.upTo),
        filterCondition(params.filter),
      ),
    )
    .orderBy(asc(taskEvents.id))
    .limit(params.limit);
}
