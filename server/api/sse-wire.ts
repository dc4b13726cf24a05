import { TRPCError } from "@trpc/server";
import { getErrorShape, sseHeaders } from "@trpc/server/unstable-core-do-not-import";
import type { BroadcastWire } from "@/server/events/broadcast";
import { appRouter } from "./root";

/*
 * tRPC's server-sent-events wire format, byte for byte (sseStreamProducer in @trpc/server:
 * each field line ends in "\n" and every message in a further "\n\n"), for the lean
 * `events.stream` route (event-stream-route.ts). httpSubscriptionLink, EventSource, the SDK and
 * the Python client read it as they read tRPC's own; stream-http.test.ts checks both agree.
 */

const config = appRouter._def._config;
const encoder = new TextEncoder();

/** The response headers tRPC sends with a subscription. */
export const SSE_HEADERS: Record<string, string> = { ...sseHeaders };

/** How often tRPC would ping an idle stream (server/api/trpc.ts). */
export const SSE_PING_MS = config.sse?.ping?.enabled ? (config.sse.ping.intervalMs ?? 1000) : 0;

/** The first message: the client's reconnect settings. */
export const SSE_CONNECTED = encoder.encode(
  `event: connected\ndata: ${JSON.stringify(config.sse?.client ?? {})}\n\n\n`,
);

/** A `serialized-error` message: the error as tRPC's errorFormatter shapes it. */
export function sseError(error: TRPCError): Uint8Array {
  const shape = getErrorShape({
    config,
    error,
    type: "subscription",
    path: "events.stream",
    input: undefined,
    ctx: undefined,
  });
  return encoder.encode(`event: serialized-error\ndata: ${JSON.stringify(shape)}\n\n\n`);
}

/** The wire of `events.stream`'s messages, errors as the tRPC procedure throws them. */
export const EVENT_STREAM_WIRE: BroadcastWire = {
  ping: encoder.encode("event: ping\ndata: \n\n\n"),
  message: (lastId, eventsJson) => encoder.encode(`data: ${eventsJson}\nid: ${lastId}\n\n\n`),
  revoked: sseError(
    new TRPCError({ code: "UNAUTHORIZED", message: "the token was revoked or has expired" }),
  ),
  stopping: sseError(
    new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "the event stream closed; reconnect with the last event id",
    }),
  ),
};
