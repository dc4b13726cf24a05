import { and, desc, lte } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { taskEvents } from "@/db/schema/tasks";
import { eventFilterInput, filterCondition } from "./filter";
import { readEvents, toWireEvent, type WireEvent } from "./read";
import { type SettledBoundOptions, settledBound, settledHead } from "./settled";

/** `events.list`: the stream's filters, for clients that poll. */
export const listEventsInput = eventFilterInput
  .extend({
    /** `nextAfterId` of the previous call. Omitted: the newest `limit` events. */
    afterId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .prefault({});

export type ListEventsParams = z.input<typeof listEventsInput>;

export interface ListEventsResult {
  /** Oldest first. */
  items: WireEvent[];
  /**
   * Where to poll from next. May be past the last item (events that did not match the filter
   * were skipped), never past an event that could still appear: polling with it misses nothing.
   */
  nextAfterId: number;
}

/**
 * Matching events after `afterId`, up to the settled bound (settled.ts): a poller, like a
 * subscriber, must not move past an id that an open transaction may still commit.
 */
export async function listEvents(
  db: Database,
  input: ListEventsParams,
  options: SettledBoundOptions = {},
): Promise<ListEventsResult> {
  const { afterId, limit, ...filter } = listEventsInput.parse(input);
  if (afterId === undefined) {
    const head = await settledHead(db, options);
    const newest = await db
      .select()
      .from(taskEvents)
      .where(and(lte(taskEvents.id, head), filterCondition(filter)))
      .orderBy(desc(taskEvents.id))
      .limit(limit);
    return { items: newest.reverse().map(toWireEvent), nextAfterId: head };
  }
  const { bound } = await settledBound(db, afterId, options);
  const rows = await readEvents(db, { filter, afterId, upTo: bound, limit });
  const last = rows.at(-1);
  return {
    items: rows.map(toWireEvent),
    nextAfterId: rows.length === limit && last ? last.id : bound,
  };
}
