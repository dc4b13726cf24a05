import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { type Broadcast, createBroadcast } from "@/server/events/broadcast";
import { createEventHub, type EventHub } from "@/server/events/hub";
import { recordEvents } from "@/server/events/record";
import { createEventFeed, type EventFeed, provideEventFeed } from "@/server/events/stream";
import { setupTestDatabase } from "@/test/db";
import { TEST_ORIGIN } from "@/test/trpc-http";
import { serveEventStream } from "./event-stream-route";
import { handleTrpcRequest } from "./handler";
import { EVENT_STREAM_WIRE } from "./sse-wire";

/*
 * The lean `events.stream` route against tRPC's own producer for the same request: the same
 * headers and bytes for a stream that opens, the same status and body for one that is refused.
 * Both run in this process on the test database (the route on a node:http server, tRPC through
 * its fetch handler), sharing one feed.
 */

const pg = setupTestDatabase();
const GUARD_MS = 10_000;
let hub: EventHub;
let feed: EventFeed;
let broadcast: Broadcast;
let server: http.Server;
let base = "";
let viewerToken = "";

beforeAll(async () => {
  hub = createEventHub(pg.url);
  feed = createEventFeed({ db: pg.db, hub, pollMs: 3_600_000 });
  await feed.ready();
  provideEventFeed(pg.db, feed);
  broadcast = createBroadcast({ feed, db: pg.db, wire: EVENT_STREAM_WIRE, pingMs: 0 });
  server = http.createServer((req, res) => void serveEventStream(pg.db, req, res, { broadcast }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  viewerToken = (await createToken(pg.db, { name: "wall", role: "viewer" })).secret;
});

afterAll(async () => {
  broadcast?.close();
  feed?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await hub?.close();
});

function guard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), GUARD_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

interface Opened {
  status: number;
  headers: Headers;
  /** The body's text up to its `count`-th message (or its end). */
  read(count: number): Promise<string>;
  close(): void;
}

function wrap(response: Response, controller: AbortController): Opened {
  if (!response.body) throw new Error("no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  return {
    status: response.status,
    headers: response.headers,
    async read(count) {
      // tRPC ends every message with "\n\n\n".
      while (text.split("\n\n\n").length - 1 < count) {
        const chunk = await guard(reader.read(), "a message");
        if (chunk.done || chunk.value === undefined) break;
        text += chunk.value;
      }
      return text;
    },
    close: () => controller.abort(),
  };
}

const path = (input: unknown) =>
  `/api/trpc/events.stream?input=${encodeURIComponent(JSON.stringify(input))}`;

async function viaRoute(
  input: unknown,
  headers: Record<string, string>,
  query = "",
): Promise<Opened> {
  const controller = new AbortController();
  const response = await fetch(`${base}${path(input)}${query}`, {
    headers,
    signal: controller.signal,
  });
  return wrap(response, controller);
}

async function viaTrpc(
  input: unknown,
  headers: Record<string, string>,
  query = "",
): Promise<Opened> {
  const controller = new AbortController();
  const request = new Request(`${TEST_ORIGIN}${path(input)}${query}`, {
    headers,
    signal: controller.signal,
  });
  return wrap(await handleTrpcRequest(pg.db, request), controller);
}

describe("the lean events.stream route", () => {
  it("sends the same headers and bytes as tRPC's producer: connected, then a tracked message", async () => {
    const workflowId = randomUUID();
    await pg.db.transaction((tx) =>
      recordEvents(
        tx,
        [1, 2, 3].map((n) => ({ kind: "resource.updated", workflowId, data: { n } })),
      ),
    );
    // From the start of the log: both replay the same three events from the table.
    const input = { workflowId, lastEventId: "0" };
    const headers = { authorization: `Bearer ${viewerToken}`, accept: "text/event-stream" };
    const lean = await viaRoute(input, headers);
    const trpc = await viaTrpc(input, headers);
    expect(lean.status).toBe(200);
    expect(trpc.status).toBe(200);
    for (const name of ["content-type", "cache-control", "x-accel-buffering"]) {
      expect(lean.headers.get(name), name).toBe(trpc.headers.get(name));
    }
    const [leanText, trpcText] = await Promise.all([lean.read(2), trpc.read(2)]);
    expect(leanText).toBe(trpcText);
    // The message went to the socket as a ready-made chunk, and still reads the same.
    expect(broadcast.stats()).toMatchObject({ streams: 1, framed: 1 });
    expect(leanText).toMatch(/^event: connected\ndata: \{.*\}\n\n\ndata: \{"events":\[/);
    lean.close();
    trpc.close();
  });

  it("refuses what tRPC refuses, with tRPC's status and body", async () => {
    const cases: {
      what: string;
      input: unknown;
      headers: Record<string, string>;
      query?: string;
    }[] = [
      { what: "no token", input: {}, headers: {} },
      { what: "a bad token", input: {}, headers: { authorization: "Bearer tm_nope" } },
      {
        what: "a bad filter",
        input: { kinds: ["NOT A KIND"] },
        headers: { authorization: `Bearer ${viewerToken}` },
      },
      {
        what: "a batch",
        input: { 0: {} },
        headers: { authorization: `Bearer ${viewerToken}` },
        query: "&batch=1",
      },
      {
        what: "a bad last event id",
        input: { lastEventId: "-1" },
        headers: { authorization: `Bearer ${viewerToken}` },
      },
    ];
    for (const { what, input, headers, query } of cases) {
      const lean = await viaRoute(input, headers, query);
      const trpc = await viaTrpc(input, headers, query);
      expect(broadcast.stats().streams, what).toBe(0);
      expect(lean.status, what).toBe(trpc.status);
      if (what.includes("token")) expect(lean.status, what).toBe(401);
      expect(await lean.read(2), what).toBe(await trpc.read(2));
      lean.close();
      trpc.close();
    }
  });
});
