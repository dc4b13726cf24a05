import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import { watchAccess } from "@/server/events/access-watch";
import { eventFilterInput } from "@/server/events/filter";
import { listEvents, listEventsInput } from "@/server/events/list";
import { toWireEvent } from "@/server/events/read";
import { eventFeedFor } from "@/server/events/stream";
import { createTRPCRouter, viewerProcedure } from "../trpc";

/** Bounds a message's size while a subscriber catches up on a long backlog. */
const MAX_EVENTS_PER_MESSAGE = 500;

export const streamEventsInput = eventFilterInput
  .extend({
    /**
     * Resume after this event id. EventSource and tRPC's httpSubscriptionLink send it on
     * reconnect (the `Last-Event-ID` header, merged into the input by tRPC); a client may also
     * pass it itself. Omitted or null: live from now.
     */
    lastEventId: z
      .string()
      .regex(/^\d{1,15}$/, "an event id")
      .nullish(),
  })
  .prefault({});

export const eventsRouter = createTRPCRouter({
  /**
   * Server-sent events: each message is `{ events: [...] }`, `tracked` by the id of its last
   * event — missed events first (with `lastEventId`), then live ones, in id order, none twice.
   * A burst travels as one message per subscriber rather than one per event: the per-message
   * cost of the SSE pipeline, times every subscriber, is what limits fan-out. Every role may watch; browsers by session cookie
   * (EventSource sends no headers), programs by bearer token.
   */
  stream: viewerProcedure.input(streamEventsInput).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const { lastEventId, ...filter } = input;
    const feed = eventFeedFor(ctx.db);
    // The stream outlives its authentication: it ends when its token is revoked or expires.
    const access = watchAccess({
      db: ctx.db,
      hub: feed.hub,
      tokenId: ctx.principal.tokenId,
      signal,
    });
    try {
      const subscription = await feed.subscribe({
        filter,
        afterId: lastEventId == null ? null : Number(lastEventId),
        signal: access.signal,
      });
      try {
        for (let first = await subscription.next(); first; first = await subscription.next()) {
          const batch = [first, ...subscription.takeReady(MAX_EVENTS_PER_MESSAGE - 1)];
          const last = batch.at(-1) ?? first;
          yield tracked(String(last.id), { events: batch.map(toWireEvent) });
        }
      } finally {
        subscription.close();
      }
    } finally {
      access.stop();
    }
    if (access.revoked()) {
      throw new TRPCError({
        code: "UNAUTHORIZED",
        message: "the token was revoked or has expired",
      });
    }
    // Not the client leaving: the server is stopping. A retryable error, unlike a normal end,
    // makes EventSource and httpSubscriptionLink reconnect with their last event id.
    if (!signal?.aborted) {
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: "the event stream closed; reconnect with the last event id",
      });
    }
  }),

  /** The same events for clients that poll: pass `nextAfterId` back as `afterId`. */
  list: viewerProcedure
    .input(listEventsInput)
    .query(({ ctx, input, signal }) => listEvents(ctx.db, input, { signal })),
});
