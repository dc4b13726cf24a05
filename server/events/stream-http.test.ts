import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession, SESSION_COOKIE } from "@/server/auth/sessions";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { makeAgent } from "@/test/engine";
import { startTestServer, type TestServer } from "@/test/server";
import { parseSseMessage, type SseMessage } from "@/test/sse-message";
import type { WireEvent } from "./read";

/*
 * events.stream end to end: two real server instances (`npm start`'s launcher, `next start`)
 * on one database, read as any HTTP client would, with fetch and a small SSE parser.
 */

const pg = setupTestDatabase();
/** Guards only: every wait ends on an event; this bounds a broken one. */
const GUARD_MS = 15_000;

let serverA: TestServer | undefined;
let serverB: TestServer | undefined;
let viewerToken = "";
let agent: Awaited<ReturnType<typeof makeAgent>>;

beforeAll(async () => {
  // One after the other: the first may have to build; the second then starts at once.
  serverA = await startTestServer({ databaseUrl: pg.url });
  serverB = await startTestServer({ databaseUrl: pg.url });
  viewerToken = (await createToken(pg.db, { name: "wall screen", role: "viewer" })).secret;
  agent = await makeAgent(pg.db, { name: "stream-http agent" });
}, 900_000);

afterAll(async () => {
  await Promise.all([serverA?.stop(), serverB?.stop()]);
}, 120_000);

function server(which: "A" | "B"): TestServer {
  const found = which === "A" ? serverA : serverB;
  if (!found) throw new Error(`server ${which} did not start`);
  return found;
}

interface StreamParams {
  input?: Record<string, unknown>;
  token?: string;
  cookie?: string;
  lastEventId?: string;
}

/** An open `events.stream`: its response, and its messages one at a time. */
async function openStream(base: string, params: StreamParams) {
  const url = new URL("/api/trpc/events.stream", base);
  if (params.input) url.searchParams.set("input", JSON.stringify(params.input));
  const headers = new Headers({ accept: "text/event-stream" });
  if (params.token) headers.set("authorization", `Bearer ${params.token}`);
  if (params.cookie) headers.set("cookie", params.cookie);
  if (params.lastEventId) headers.set("last-event-id", params.lastEventId);
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const ready: SseMessage[] = [];

  const nextMessage = async (): Promise<SseMessage> => {
    for (;;) {
      const message = ready.shift();
      if (message) return message;
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error("the stream ended");
      buffer += chunk.value;
      // A blank line ends a message (https://html.spec.whatwg.org/#event-stream-interpretation).
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        const parsed = parseSseMessage(block);
        if (parsed) ready.push(parsed);
      }
    }
  };

  const surplus: { id: string | undefined; event: WireEvent }[] = [];
  return {
    response,
    nextMessage: () => guard(nextMessage(), "the next SSE message"),
    /** The next `count` data events, skipping tRPC's own messages; fails on an error event. */
    async take(count: number): Promise<{ id: string | undefined; event: WireEvent }[]> {
      const events = surplus.splice(0);
      while (events.length < count) {
        const message = await guard(nextMessage(), `${count} events`);
        if (message.event === "serialized-error") throw new Error(`stream error: ${message.data}`);
        if (message.event !== "message") continue;
        // A message carries a batch, tracked by its last event's id.
        const batch = (JSON.parse(message.data) as { events: WireEvent[] }).events;
        expect(message.id).toBe(String(batch.at(-1)?.id));
        for (const event of batch) events.push({ id: String(event.id), event });
      }
      // A batch may bring more than asked for: keep the rest for the next take().
      surplus.push(...events.splice(count));
      return events;
    },
    close: () => controller.abort(),
  };
}

function guard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), GUARD_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** A tRPC call over plain HTTP: queries GET `?input=`, mutations POST JSON. */
async function call<T>(
  base: string,
  path: string,
  type: "query" | "mutation",
  input: unknown,
  token: string,
): Promise<T> {
  const url = new URL(`/api/trpc/${path}`, base);
  const headers = new Headers({ authorization: `Bearer ${token}` });
  let init: RequestInit = { headers };
  if (type === "query") url.searchParams.set("input", JSON.stringify(input));
  else {
    headers.set("content-type", "application/json");
    init = { method: "POST", headers, body: JSON.stringify(input) };
  }
  const response = await fetch(url, init);
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!response.ok || !body.result) {
    throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body.error)}`);
  }
  return body.result.data;
}

interface ListResult {
  items: WireEvent[];
  nextAfterId: number;
}

/** The task the agent claims next, through `base`, with its lease epoch. */
async function claimOne(base: string) {
  const { tasks } = await call<{ tasks: { id: string; leaseEpoch: number }[] }>(
    base,
    "agents.claim",
    "mutation",
    { agentId: agent.agentId },
    agent.token,
  );
  const [task] = tasks;
  if (!task) throw new Error("nothing to claim");
  return task;
}

async function completeTask(base: string, task: { id: string; leaseEpoch: number }) {
  await call(
    base,
    "tasks.complete",
    "mutation",
    { agentId: agent.agentId, taskId: task.id, leaseEpoch: task.leaseEpoch },
    agent.token,
  );
}

describe("events.stream over HTTP, two instances on one database", () => {
  it("delivers to a subscriber of B the transitions committed through A, in order", async () => {
    const a = server("A").url;
    const b = server("B").url;
    // Start from a known position rather than "now": nothing between the two is missed.
    const head = await call<ListResult>(b, "events.list", "query", { limit: 1 }, viewerToken);
    const stream = await openStream(b, {
      token: viewerToken,
      input: { kinds: ["task."], lastEventId: String(head.nextAfterId) },
    });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const connected = await stream.nextMessage();
    expect(connected.event).toBe("connected");
    expect(JSON.parse(connected.data)).toEqual({ reconnectAfterInactivityMs: 30_000 });

    const submitted = await call<{ task: { id: string } }>(
      a,
      "tasks.submit",
      "mutation",
      { name: "across instances", priority: 1_000_000 },
      server("A").adminToken,
    );
    const taskId = submitted.task.id;
    const [first] = await stream.take(1);
    expect(first?.event).toMatchObject({ kind: "task.submitted", taskId, toState: "queued" });
    expect(first?.id).toBe(String(first?.event.id));

    const claimed = await claimOne(a);
    expect(claimed.id).toBe(taskId);
    await call(
      a,
      "tasks.progress",
      "mutation",
      { agentId: agent.agentId, taskId, leaseEpoch: claimed.leaseEpoch, fraction: 0.5 },
      agent.token,
    );
    await completeTask(a, claimed);
    const rest = (await stream.take(3)).map(({ event }) => event);
    expect(rest.map((event) => [event.kind, event.taskId])).toEqual([
      ["task.started", taskId],
      ["task.progress", taskId],
      ["task.succeeded", taskId],
    ]);
    expect(rest.every((event) => !Number.isNaN(Date.parse(event.createdAt)))).toBe(true);
    const all = [first?.event.id ?? 0, ...rest.map((event) => event.id)];
    expect(all).toEqual([...all].sort((x, y) => x - y));
    stream.close();
  });

  it("resumes after a disconnect from the last event id: exactly the missed events, in order", async () => {
    const a = server("A").url;
    const b = server("B").url;
    const { workflow } = await call<{ workflow: { id: string } }>(
      a,
      "workflows.submit",
      "mutation",
      {
        name: "resume",
        tasks: [
          { key: "first", name: "first", priority: 1_000_000 },
          { key: "second", name: "second", priority: 999_999 },
        ],
      },
      server("A").adminToken,
    );
    const filter = { workflowId: workflow.id };
    const list = (afterId: number) =>
      call<ListResult>(b, "events.list", "query", { ...filter, afterId }, viewerToken);

    // From the start of the workflow: its submission events, replayed from the table.
    const submittedEvents = (await list(0)).items;
    expect(submittedEvents.map((event) => event.kind)).toEqual([
      "workflow.submitted",
      "task.submitted",
      "task.submitted",
    ]);
    const before = await openStream(b, {
      token: viewerToken,
      input: { ...filter, lastEventId: "0" },
    });
    const seen = await before.take(submittedEvents.length);
    expect(seen.map(({ event }) => event)).toEqual(submittedEvents);
    before.close();
    const lastId = seen.at(-1)?.id ?? "";

    // While nobody listens: the first task runs to completion, through A.
    const claimed = await claimOne(a);
    await completeTask(a, claimed);
    const missed = (await list(Number(lastId))).items;
    expect(missed.map((event) => [event.kind, event.taskId])).toEqual([
      ["task.started", claimed.id],
      ["task.succeeded", claimed.id],
    ]);

    // Back, on the other instance, the way EventSource resumes: the Last-Event-ID header.
    const after = await openStream(a, { token: viewerToken, input: filter, lastEventId: lastId });
    expect(after.response.status).toBe(200);
    expect((await after.take(missed.length)).map(({ event }) => event)).toEqual(missed);
    // And live from there: the next event is the next one, not one already delivered.
    const second = await claimOne(a);
    const [next] = await after.take(1);
    expect(next?.event).toMatchObject({ kind: "task.started", taskId: second.id });
    expect(next?.event.id).toBeGreaterThan(missed.at(-1)?.id ?? Number.POSITIVE_INFINITY);
    after.close();

    // The id may also travel in the input (what httpSubscriptionLink sends).
    const again = await openStream(b, {
      token: viewerToken,
      input: { ...filter, lastEventId: String(missed.at(-1)?.id) },
    });
    expect((await again.take(1)).map(({ event }) => event.id)).toEqual([next?.event.id]);
    again.close();
    await completeTask(a, second);
  });
});

describe("who may subscribe", () => {
  it("answers 401 without a token or with a bad one", async () => {
    for (const token of [undefined, "tm_not-a-real-token"]) {
      const stream = await openStream(server("B").url, { token });
      expect(stream.response.status).toBe(401);
      stream.close();
    }
  });

  it("lets a viewer in by bearer token, and a browser by session cookie", async () => {
    const byToken = await openStream(server("B").url, { token: viewerToken });
    expect(byToken.response.status).toBe(200);
    expect((await byToken.nextMessage()).event).toBe("connected");
    byToken.close();

    const { token } = await createToken(pg.db, { name: "browser", role: "viewer" });
    const session = await createSession(pg.db, token.id);
    const byCookie = await openStream(server("A").url, {
      cookie: `${SESSION_COOKIE}=${encodeURIComponent(session)}`,
    });
    expect(byCookie.response.status).toBe(200);
    expect((await byCookie.nextMessage()).event).toBe("connected");
    byCookie.close();
  });
});
