import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Database } from "@/db/client";
import { authenticateRequest } from "@/server/auth/request";
import type { DatabaseCircuit } from "@/server/database-circuit";
import { type Broadcast, createBroadcast } from "@/server/events/broadcast";
import { type EventFeed, eventFeedFor } from "@/server/events/stream";
import { log } from "@/server/log/logger";
import { processSlot } from "@/server/process/slots";
import { handleTrpcRequest, TRPC_ENDPOINT } from "./handler";
import { streamEventsInput } from "./routers/events";
import { EVENT_STREAM_WIRE, SSE_CONNECTED, SSE_HEADERS, SSE_PING_MS } from "./sse-wire";

export const EVENT_STREAM_PATH = `${TRPC_ENDPOINT}/events.stream`;

const routeLog = log.child({ component: "event-stream" });

/*
 * `events.stream`, served lean. tRPC's SSE producer costs, per subscriber and message, an async
 * generator step, a JSON.stringify, five string chunks through two TransformStreams and a
 * TextEncoderStream, and Next's web-stream pipe to the socket; with thousands of screens that
 * was the whole CPU (docs/architecture.md "Events and live updates"). Here a stream that may
 * open is handed to the broadcast, which writes each message's bytes, made once, straight to
 * the socket. Anything else (no or bad credentials, a bad input, a database that is down, a
 * method other than GET) goes through tRPC's handler, so its status codes and error bodies stay
 * tRPC's own. The tRPC procedure stays the definition: its input schema and types (for
 * httpSubscriptionLink) are the ones used here.
 */
export async function serveEventStream(
  db: Database,
  req: IncomingMessage,
  res: ServerResponse,
  options: { circuit?: DatabaseCircuit; broadcast?: Broadcast } = {},
): Promise<void> {
  const url = new URL(req.url ?? EVENT_STREAM_PATH, "http://localhost");
  const params = req.method === "GET" ? await streamParams(db, req, url, options.circuit) : null;
  if (!params) return viaTrpc(db, req, res, options.circuit);
  const { filter, afterId, tokenId } = params;

  res.writeHead(200, SSE_HEADERS);
  // Messages are small and must leave at once; an idle stream is kept open by its pings.
  req.socket.setNoDelay(true);
  req.socket.setTimeout(0);
  res.write(SSE_CONNECTED);
  try {
    await (options.broadcast ?? broadcastFor(db)).add({ sink: res, filter, afterId, tokenId });
  } catch (error) {
    // The feed could not start (the database is down): the client reconnects, with its id.
    routeLog.warn({ err: error }, "an event stream could not start");
    if (!res.destroyed) res.end(EVENT_STREAM_WIRE.stopping);
  }
}

/** What a stream that may open needs; null to leave the answer to tRPC. */
async function streamParams(
  db: Database,
  req: IncomingMessage,
  url: URL,
  circuit?: DatabaseCircuit,
) {
  const headers = new Headers();
  for (const name of ["authorization", "cookie", "last-event-id"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  // tRPC's reading of the input (no transformer), and of the resume position: the header,
  // else `lastEventId` or `Last-Event-Id` in the query, overrides the input's own.
  // A batch, or auth by connectionParams, is tRPC's to answer (refuse or read) exactly.
  if (url.searchParams.has("batch") || url.searchParams.has("connectionParams")) return null;
  let raw: unknown;
  const text = url.searchParams.get("input");
  try {
    raw = text === null ? undefined : JSON.parse(text);
  } catch {
    return null;
  }
  const lastEventId =
    headers.get("last-event-id") ??
    url.searchParams.get("lastEventId") ??
    url.searchParams.get("Last-Event-Id");
  if (lastEventId) {
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw))
      raw = { ...raw, lastEventId };
    else raw ??= { lastEventId };
  }
  const input = streamEventsInput.safeParse(raw);
  if (!input.success) return null;
  try {
    circuit?.assertUp();
    const principal = await authenticateRequest(db, headers);
    if (!principal) return null;
    const { lastEventId: from, ...filter } = input.data;
    return { filter, afterId: from == null ? null : Number(from), tokenId: principal.tokenId };
  } catch {
    // tRPC answers it as it answers every call then (503 with Retry-After, or 500).
    return null;
  }
}

/** The request through tRPC's fetch handler, its response written back to Node's. */
async function viaTrpc(
  db: Database,
  req: IncomingMessage,
  res: ServerResponse,
  circuit?: DatabaseCircuit,
): Promise<void> {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(new URL(req.url ?? EVENT_STREAM_PATH, `http://${req.headers.host}`), {
    method: req.method,
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
  } as RequestInit);
  const response = await handleTrpcRequest(db, request, circuit);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  try {
    for await (const chunk of response.body) {
      if (res.destroyed) break;
      res.write(chunk);
    }
  } catch {
    // The client left mid-answer.
  }
  if (!res.destroyed) res.end();
}

// One broadcast per feed, shared by every bundle (server/process/slots.ts).
const broadcasts = processSlot<WeakMap<EventFeed, Broadcast>>("eventBroadcasts");

/** The broadcast over `db`'s event feed, created on first use; it closes with the feed. */
export function broadcastFor(db: Database): Broadcast {
  const feed = eventFeedFor(db);
  const map = broadcasts.getOrCreate(() => new WeakMap());
  let broadcast = map.get(feed);
  if (!broadcast) {
    broadcast = createBroadcast({ feed, db, wire: EVENT_STREAM_WIRE, pingMs: SSE_PING_MS });
    map.set(feed, broadcast);
  }
  return broadcast;
}
