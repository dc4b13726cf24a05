import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EVENT_STREAM_WIRE } from "@/server/api/sse-wire";
import { createToken, revokeToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { eventFeedFixture } from "@/test/event-feed";
import { parseSseMessage, type SseMessage } from "@/test/sse-message";
import { type Broadcast, type BroadcastOptions, createBroadcast } from "./broadcast";
import type { EventFilter } from "./filter";
import { createEventHub } from "./hub";
import type { WireEvent } from "./read";
import { createEventFeed, type EventFeed, type EventFeedOptions } from "./stream";

/*
 * The lean fan-out behind `events.stream` (broadcast.ts), on a real feed over the test
 * database, writing to in-memory sinks that stand in for sockets: one that reads everything at
 * once, and one that stops reading (its writes pile up as they would in a socket's buffer).
 */

const pg = setupTestDatabase();
const { record, recordTagged } = eventFeedFixture(pg);
const GUARD_MS = 10_000;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A socket stand-in: keeps every chunk written (by identity), and can stop taking them. */
class Sink extends Writable {
  readonly chunks: Uint8Array[] = [];
  private text = "";
  private held: (() => void)[] = [];
  private stalled = false;
  private waiters = new Set<() => void>();

  constructor() {
    super({ highWaterMark: 512 });
  }

  override _write(chunk: Uint8Array, _encoding: string, done: () => void) {
    this.chunks.push(chunk);
    this.text += Buffer.from(chunk).toString("utf8");
    for (const waiter of [...this.waiters]) waiter();
    if (this.stalled) this.held.push(done);
    else done();
  }

  /** From now on nothing written is taken: the writes wait in the stream's buffer. */
  stall() {
    this.stalled = true;
  }

  resume() {
    this.stalled = false;
    for (const done of this.held.splice(0)) done();
  }

  messages(): SseMessage[] {
    return this.text
      .split("\n\n")
      .slice(0, -1)
      .map(parseSseMessage)
      .filter((message): message is SseMessage => message !== null);
  }

  events(): WireEvent[] {
    return this.messages()
      .filter((message) => message.event === "message")
      .flatMap((message) => (JSON.parse(message.data) as { events: WireEvent[] }).events);
  }

  ids(): number[] {
    return this.events().map((event) => event.id);
  }

  /** Resolves once `predicate` holds (checked after every write). */
  until(predicate: () => boolean, what: string): Promise<void> {
    return guard(
      new Promise<void>((resolve) => {
        const check = () => {
          if (!predicate()) return;
          this.waiters.delete(check);
          resolve();
        };
        this.waiters.add(check);
        check();
      }),
      what,
    );
  }
}

function guard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), GUARD_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Resolves once the broadcast has ended `sink` (now or already). */
function ended(sink: Sink, what: string): Promise<unknown> {
  if (sink.writableFinished) return Promise.resolve();
  return guard(new Promise((resolve) => sink.once("finish", resolve)), what);
}

async function setup(
  options: { feed?: Partial<EventFeedOptions>; broadcast?: Partial<BroadcastOptions> } = {},
) {
  const hub = createEventHub(pg.url);
  cleanups.push(() => hub.close());
  const feed: EventFeed = createEventFeed({
    db: pg.db,
    hub,
    pollMs: 3_600_000,
    ...options.feed,
  });
  cleanups.push(() => feed.close());
  await feed.ready();
  const broadcast: Broadcast = createBroadcast({
    feed,
    db: pg.db,
    wire: EVENT_STREAM_WIRE,
    pingMs: 0,
    ...options.broadcast,
  });
  cleanups.push(() => broadcast.close());
  const { token } = await createToken(pg.db, { name: `screen ${randomUUID()}`, role: "viewer" });
  const open = async (filter: EventFilter, afterId: number | null = null, tokenId = token.id) => {
    const sink = new Sink();
    await broadcast.add({ sink, filter, afterId, tokenId });
    return sink;
  };
  return { feed, broadcast, open, tokenId: token.id };
}

describe("one serialisation for many streams", () => {
  it("writes the same bytes to every stream with the same filter, and serialises once per filter", async () => {
    const { broadcast, open } = await setup();
    const workflowA = randomUUID();
    const workflowB = randomUUID();
    // The same filter three times (the field order does not matter), and another one.
    const sameFilter = await Promise.all([
      open({ workflowId: workflowA }),
      open({ workflowId: workflowA }),
      open({ workflowId: workflowA, kinds: undefined }),
    ]);
    const other = await open({ workflowId: workflowB });
    const before = broadcast.stats();
    expect(before).toMatchObject({ streams: 4, filters: 2, catchingUp: 0 });

    const recorded = await record(
      Array.from({ length: 5 }, (_, n) => ({
        kind: "resource.updated",
        workflowId: workflowA,
        data: { n },
      })),
    );
    for (const sink of sameFilter) {
      await sink.until(() => sink.ids().length === 5, "the five events");
      expect(sink.ids()).toEqual(recorded);
    }
    const after = broadcast.stats();
    const messages = after.serialised - before.serialised;
    expect(messages).toBeGreaterThanOrEqual(1);
    // Each message was made once and written three times: the very same bytes.
    expect(after.written - before.written).toBe(3 * messages);
    const [first, second, third] = sameFilter.map((sink) => sink.chunks.slice(-messages));
    for (let i = 0; i < messages; i++) {
      expect(second?.[i]?.buffer).toBe(first?.[i]?.buffer);
      expect(third?.[i]?.buffer).toBe(first?.[i]?.buffer);
    }
    // A message carries its last event's id, as tRPC's `tracked` does.
    const last = sameFilter[0]?.messages().at(-1);
    expect(last?.id).toBe(String(recorded.at(-1)));
    expect(other.ids()).toEqual([]);
  });

  it("applies filters by kind (exact and prefix), workflow, task and agent", async () => {
    const { open } = await setup();
    const workflowId = randomUUID();
    const taskA = randomUUID();
    const taskB = randomUUID();
    const agentId = randomUUID();
    const filters: Record<string, EventFilter> = {
      taskPrefixInWorkflow: { kinds: ["task."], workflowId },
      taskA: { taskId: taskA },
      agent: { agentId },
      exactAndPrefix: { kinds: ["agent.offline", "resource."], workflowId },
      started: { kinds: ["task.started"], workflowId },
      none: { workflowId, taskId: taskB, agentId },
    };
    const sinks = Object.fromEntries(
      await Promise.all(
        Object.entries(filters).map(async ([name, filter]) => [name, await open(filter)] as const),
      ),
    );
    const everything = await open({ workflowId });
    const [started, progress, offline, resource, succeeded] = await record([
      { kind: "task.started", taskId: taskA, workflowId, agentId, data: {} },
      { kind: "task.progress", taskId: taskB, workflowId, data: {} },
      { kind: "agent.offline", agentId, workflowId, data: {} },
      { kind: "resource.updated", workflowId, data: {} },
      { kind: "task.succeeded", taskId: taskA, workflowId, agentId, data: {} },
    ]);
    const expected: Record<string, (number | undefined)[]> = {
      taskPrefixInWorkflow: [started, progress, succeeded],
      taskA: [started, succeeded],
      agent: [started, offline, succeeded],
      exactAndPrefix: [offline, resource],
      started: [started],
      none: [],
    };
    // The page is written to every filter's streams in one go: once the widest has it, all do.
    await everything.until(() => everything.ids().includes(succeeded ?? -1), "the last event");
    for (const [name, sink] of Object.entries(sinks)) {
      expect(sink.ids(), name).toEqual(expected[name]);
    }
  });
});

describe("resuming", () => {
  it("replays after the last event id from the table, then continues live without a gap or duplicate", async () => {
    const { broadcast, open } = await setup({ feed: { pageSize: 4 }, broadcast: { pageSize: 4 } });
    const workflowId = randomUUID();
    const earlier = await recordTagged(workflowId, 12, 3);
    const before = broadcast.stats().private;
    const sink = await open({ workflowId }, earlier[4] ?? 0);
    const later = await recordTagged(workflowId, 6, 2);
    const want = [...earlier.slice(5), ...later];
    await sink.until(() => sink.ids().length >= want.length, "the replay and the live events");
    expect(sink.ids()).toEqual(want);
    // The replay's pages were made for this stream alone.
    expect(broadcast.stats().private).toBeGreaterThan(before);
    expect(broadcast.stats().catchingUp).toBe(0);
  });

  it("skips what a client already has when it is ahead of this instance", async () => {
    const { feed, open } = await setup();
    const workflowId = randomUUID();
    const sink = await open({ workflowId }, feed.watermark() + 2);
    const recorded = await record(
      Array.from({ length: 4 }, (_, n) => ({ kind: "resource.updated", workflowId, data: { n } })),
    );
    await sink.until(() => sink.ids().length >= 2, "the events it lacks");
    expect(sink.ids()).toEqual(recorded.filter((id) => id > (recorded[0] ?? 0) + 1));
  });
});

describe("a slow stream", () => {
  it("overflows into catch-up from the table without holding up the others, and gets everything in order", async () => {
    const { broadcast, open } = await setup({
      feed: { pageSize: 4 },
      broadcast: { pageSize: 4, maxBufferedBytes: 2_000 },
    });
    const workflowId = randomUUID();
    const slow = await open({ workflowId });
    const fast = await open({ workflowId });
    slow.stall();

    const recorded = await recordTagged(workflowId, 60, 7);
    await fast.until(() => fast.ids().length === 60, "every event on the fast stream");
    expect(fast.ids()).toEqual(recorded);
    expect(broadcast.stats()).toMatchObject({ catchingUp: 1 });
    expect(broadcast.stats().overflows).toBeGreaterThanOrEqual(1);
    // Bounded: what waits for the slow client is about the limit, not the 60 events.
    expect(slow.writableLength).toBeLessThan(2_000 + 4 * 1_000);
    expect(slow.ids().length).toBeLessThan(60);

    slow.resume();
    await slow.until(() => slow.ids().length >= 60, "every event on the slow stream");
    expect(slow.ids()).toEqual(recorded);
    // Caught up, it is live again.
    await guard(
      (async () => {
        while (broadcast.stats().catchingUp > 0) await new Promise((r) => setImmediate(r));
      })(),
      "the slow stream to turn live",
    );
    const more = await recordTagged(workflowId, 3);
    await slow.until(() => slow.ids().length === 63, "the live events after catching up");
    expect(slow.ids()).toEqual([...recorded, ...more]);
  });
});

describe("the end of a stream", () => {
  it("ends the streams of a revoked token with UNAUTHORIZED and keeps the others", async () => {
    const { broadcast, open, tokenId } = await setup();
    const other = await createToken(pg.db, { name: "another screen", role: "viewer" });
    const workflowId = randomUUID();
    const revoked = [await open({ workflowId }), await open({})];
    const kept = await open({ workflowId }, null, other.token.id);
    expect(broadcast.stats()).toMatchObject({ streams: 3, tokens: 2 });

    await revokeToken(pg.db, tokenId);
    for (const sink of revoked) {
      await ended(sink, "the revoked stream's end");
      const last = sink.messages().at(-1);
      expect(last?.event).toBe("serialized-error");
      expect(JSON.parse(last?.data ?? "{}")).toMatchObject({
        data: { code: "UNAUTHORIZED", httpStatus: 401 },
      });
    }
    expect(broadcast.stats()).toMatchObject({ streams: 1, tokens: 1 });
    const [id] = await recordTagged(workflowId, 1);
    await kept.until(() => kept.ids().includes(id ?? -1), "the other token's stream");
  });

  it("ends every stream with a retryable error when the feed closes (the server stops)", async () => {
    const { feed, broadcast, open } = await setup();
    const sink = await open({});
    feed.close();
    await ended(sink, "the stream's end");
    expect(JSON.parse(sink.messages().at(-1)?.data ?? "{}")).toMatchObject({
      data: { code: "SERVICE_UNAVAILABLE" },
    });
    expect(broadcast.stats().streams).toBe(0);
  });

  it("forgets a stream whose client left", async () => {
    const { broadcast, open } = await setup();
    const sink = await open({ kinds: ["task."] });
    expect(broadcast.stats()).toMatchObject({ streams: 1, filters: 1, tokens: 1 });
    sink.destroy();
    await guard(new Promise((resolve) => sink.once("close", resolve)), "the close");
    expect(broadcast.stats()).toMatchObject({ streams: 0, filters: 0, tokens: 0 });
  });
});

describe("pings", () => {
  it("pings idle streams and skips a stream that has just had a message", async () => {
    // The ping timer and the clock only: the feed's database reads keep real time.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    cleanups.push(() => {
      vi.useRealTimers();
    });
    const { open } = await setup({ broadcast: { pingMs: 10_000 } });
    const workflowId = randomUUID();
    const busy = await open({ workflowId });
    const idle = await open({ kinds: ["agent."] });
    const pings = (sink: Sink) => sink.messages().filter((m) => m.event === "ping").length;

    vi.advanceTimersByTime(6_000);
    const [id] = await recordTagged(workflowId, 1);
    await busy.until(() => busy.ids().includes(id ?? -1), "the busy stream's event");
    // The first ping, 4 s after the busy stream's message: only the idle stream needs one.
    vi.advanceTimersByTime(4_000);
    await idle.until(() => pings(idle) === 1, "the idle stream's ping");
    expect(pings(busy)).toBe(0);
    // The second, 14 s after it: both.
    vi.advanceTimersByTime(10_000);
    await busy.until(() => pings(busy) === 1, "the busy stream's ping once idle");
    expect(pings(idle)).toBe(2);
  });
});
