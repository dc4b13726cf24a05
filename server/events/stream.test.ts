import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { reportProgress } from "@/server/tasks/progress";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import type { EventFilter } from "./filter";
import { createEventHub, type EventHub, LISTENER_APPLICATION_NAME } from "./hub";
import { listEvents } from "./list";
import type { EventRow } from "./read";
import { type NewEvent, recordEvents } from "./record";
import {
  createEventFeed,
  type EventFeed,
  type EventFeedOptions,
  type EventFeedStats,
} from "./stream";
import type { EventSubscription } from "./subscriber";

const pg = setupTestDatabase();

/** Guards only: every wait below ends on an event; these bound a broken one. */
const GUARD_MS = 10_000;

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openFeed(options: Partial<EventFeedOptions> = {}): Promise<EventFeed> {
  const hub: EventHub = createEventHub(pg.url);
  cleanups.push(() => hub.close());
  // No safety-net poll: what arrives, arrives because of a notification or a resync.
  const feed = createEventFeed({ db: pg.db, hub, pollMs: 3_600_000, ...options });
  cleanups.push(() => feed.close());
  await feed.ready();
  return feed;
}

function withGuard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), GUARD_MS);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** The next `count` events of `subscription`. */
function take(subscription: EventSubscription, count: number): Promise<EventRow[]> {
  return withGuard(
    (async () => {
      const events: EventRow[] = [];
      while (events.length < count) {
        const event = await subscription.next();
        if (!event) throw new Error(`closed after ${events.length} of ${count} events`);
        events.push(event);
      }
      return events;
    })(),
    `${count} events`,
  );
}

/** Events up to and including the first one that satisfies `last`. */
function takeUntil(
  subscription: EventSubscription,
  last: (event: EventRow) => boolean,
): Promise<EventRow[]> {
  return withGuard(
    (async () => {
      const events: EventRow[] = [];
      for (;;) {
        const event = await subscription.next();
        if (!event) throw new Error(`closed after ${events.length} events`);
        events.push(event);
        if (last(event)) return events;
      }
    })(),
    "the closing event",
  );
}

/** Resolves with the stats of the first completed read that satisfies `predicate`. */
function cycleWhere(
  feed: EventFeed,
  predicate: (stats: EventFeedStats) => boolean,
): Promise<EventFeedStats> {
  return withGuard(
    new Promise((resolve) => {
      const off = feed.onCycle((stats) => {
        if (!predicate(stats)) return;
        off();
        resolve(stats);
      });
    }),
    "a read of the feed",
  );
}

/** Commits events in one transaction (one notification) and returns their ids. */
async function record(events: NewEvent[]): Promise<number[]> {
  return pg.db.transaction(async (tx) => {
    await recordEvents(tx, events);
    // This transaction's rows: ids of one statement need not be consecutive (other sessions
    // draw from the sequence too). xmin is the 32-bit form of the transaction id.
    const rows = await tx.execute<{ id: string }>(sql`
      select id::text as id from task_events
      where xmin::text::bigint = pg_current_xact_id()::text::bigint % 4294967296
      order by task_events.id`);
    return rows.map((row) => Number(row.id));
  });
}

/** `count` events tagged with `workflowId`, `perTransaction` to a commit. */
async function recordTagged(workflowId: string, count: number, perTransaction = 1) {
  const ids: number[] = [];
  for (let start = 0; start < count; start += perTransaction) {
    const size = Math.min(perTransaction, count - start);
    const batch = Array.from({ length: size }, (_, index): NewEvent => {
      return { kind: "resource.updated", workflowId, data: { n: start + index } };
    });
    ids.push(...(await record(batch)));
  }
  return ids;
}

class Rollback extends Error {}

/**
 * A transaction that records one event and stays open until told to commit or roll back: the
 * event's id is taken now, its row becomes visible (or not) later.
 */
function openTransaction(workflowId: string) {
  let decide: (commit: boolean) => void = () => {};
  const decision = new Promise<boolean>((resolve) => {
    decide = resolve;
  });
  let inserted: (id: number) => void = () => {};
  const id = new Promise<number>((resolve) => {
    inserted = resolve;
  });
  const finished = pg.db
    .transaction(async (tx) => {
      await recordEvents(tx, [{ kind: "resource.updated", workflowId, data: { late: true } }]);
      const [row] = await tx.execute<{ id: string }>(sql`select lastval()::text as id`);
      inserted(Number(row?.id));
      if (!(await decision)) throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  cleanups.push(async () => {
    decide(false);
    await finished;
  });
  return {
    id,
    commit: () => {
      decide(true);
      return finished;
    },
    rollback: () => {
      decide(false);
      return finished;
    },
  };
}

const ids = (events: EventRow[]) => events.map((event) => event.id);

describe("live delivery", () => {
  it("delivers one task's transitions in order, as the engine commits them", async () => {
    const feed = await openFeed();
    const subscription = await feed.subscribe({ filter: { kinds: ["task."] } });
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "watched" });
    await pg.db.execute(sql`update tasks set priority = 1000000 where id = ${task.id}`);
    const [claimed] = await claimTasks(pg.db, agent.agentId, 1);
    expect(claimed?.id).toBe(task.id);
    await reportProgress(pg.db, agent, { taskId: task.id, leaseEpoch: 1, fraction: 0.5 });
    await completeTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: 1 }]);

    const events = await takeUntil(
      subscription,
      (event) => event.taskId === task.id && event.kind === "task.succeeded",
    );
    const ours = events.filter((event) => event.taskId === task.id);
    expect(ours.map((event) => event.kind)).toEqual([
      "task.submitted",
      "task.started",
      "task.progress",
      "task.succeeded",
    ]);
    // Progress is not a transition: no state on it.
    expect(ours.map((event) => event.toState)).toEqual(["queued", "running", null, "succeeded"]);
    expect(ids(events)).toEqual([...ids(events)].sort((a, b) => a - b));
  });

  it("applies filters by kind (exact and prefix), workflow, task and agent", async () => {
    const feed = await openFeed();
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
    const subscriptions = Object.fromEntries(
      await Promise.all(
        Object.entries(filters).map(async ([name, filter]) => {
          return [name, await feed.subscribe({ filter })] as const;
        }),
      ),
    );
    const everything = await feed.subscribe();
    const before = feed.watermark();

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

    // Once the unfiltered subscriber has the last row, every subscriber has been offered every
    // row: what they hold now is all they will get from this batch.
    await takeUntil(everything, (event) => event.id === succeeded);
    for (const [name, subscription] of Object.entries(subscriptions)) {
      const held = await take(subscription, subscription.stats().queued);
      expect(ids(held), name).toEqual(expected[name]);
    }

    // The same filters in SQL (replay and polling) agree with the ones in JavaScript.
    for (const [name, filter] of Object.entries(filters)) {
      const replay = await feed.subscribe({ filter, afterId: before });
      const want = expected[name] ?? [];
      expect(ids(await take(replay, want.length)), name).toEqual(want);
      const polled = await listEvents(pg.db, { ...filter, afterId: before });
      expect(
        polled.items.map((event) => event.id),
        name,
      ).toEqual(want);
    }
  });

  it("ends a subscription on abort and forgets it", async () => {
    const feed = await openFeed();
    const controller = new AbortController();
    const subscription = await feed.subscribe({ signal: controller.signal });
    expect(feed.stats().subscribers).toBe(1);
    const pending = subscription.next();
    controller.abort();
    await expect(pending).resolves.toBeNull();
    expect(feed.stats().subscribers).toBe(0);
  });
});

describe("replay from a last event id", () => {
  it("replays what was missed, then continues live, with no gap or duplicate at the seam", async () => {
    const feed = await openFeed({ pageSize: 4 });
    const workflowId = randomUUID();
    const earlier = await recordTagged(workflowId, 30, 3);
    const lastSeen = earlier[9] ?? 0;
    const subscription = await feed.subscribe({ filter: { workflowId }, afterId: lastSeen });
    // More events while the replay is under way: some are read from the table, some live.
    const reading = take(subscription, 30);
    const later = await recordTagged(workflowId, 10, 2);
    expect(ids(await reading)).toEqual([...earlier.slice(10), ...later]);
  });

  it("skips what a client already has when it is ahead of this instance", async () => {
    const feed = await openFeed();
    const workflowId = randomUUID();
    const head = feed.watermark();
    // As if the client had read up to head + 2 through another instance.
    const subscription = await feed.subscribe({ filter: { workflowId }, afterId: head + 2 });
    const recorded = await recordTagged(workflowId, 4);
    expect(recorded[0]).toBe(head + 1);
    expect(ids(await take(subscription, 2))).toEqual(recorded.slice(2));
  });

  it("misses nothing across a lost listening connection", async () => {
    const feed = await openFeed();
    const workflowId = randomUUID();
    const subscription = await feed.subscribe({ filter: { workflowId } });
    await pg.sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`;
    // Recorded while the hub reconnects: the notification may be lost, the resync is not.
    const recorded = await recordTagged(workflowId, 3);
    expect(ids(await take(subscription, 3))).toEqual(recorded);
  });
});

describe("the bigserial gap", () => {
  it("waits for a smaller id committed after a larger one, and delivers both in order", async () => {
    const feed = await openFeed({ gapWaitMs: 20, gapRetryMs: 10 });
    const workflowId = randomUUID();
    const subscription = await feed.subscribe({ filter: { workflowId } });
    const early = openTransaction(workflowId);
    const earlyId = await early.id;
    const [laterId = 0] = await recordTagged(workflowId, 1);
    expect(laterId).toBeGreaterThan(earlyId);

    // The feed has read the later row and holds it back behind the open transaction's id.
    const stats = await cycleWhere(feed, (s) => s.held);
    expect(stats.watermark).toBe(earlyId - 1);
    expect(subscription.stats().queued).toBe(0);
    // A poller is held back the same way.
    const polled = await listEvents(pg.db, { workflowId, afterId: earlyId - 1 }, { waitMs: 20 });
    expect(polled).toEqual({ items: [], nextAfterId: earlyId - 1 });

    await early.commit();
    expect(ids(await take(subscription, 2))).toEqual([earlyId, laterId]);
    const after = await listEvents(pg.db, { workflowId, afterId: earlyId - 1 });
    expect(after.items.map((event) => event.id)).toEqual([earlyId, laterId]);
  });

  it("moves past the id of a transaction that rolled back", async () => {
    const feed = await openFeed({ gapWaitMs: 20, gapRetryMs: 10 });
    const workflowId = randomUUID();
    const subscription = await feed.subscribe({ filter: { workflowId } });
    const doomed = openTransaction(workflowId);
    const doomedId = await doomed.id;
    const [laterId = 0] = await recordTagged(workflowId, 1);
    await cycleWhere(feed, (s) => s.held);

    // No notification comes for a rollback: the feed looks again on its own.
    await doomed.rollback();
    expect(ids(await take(subscription, 1))).toEqual([laterId]);
    expect(feed.stats().held).toBe(false);
    expect(feed.watermark()).toBeGreaterThanOrEqual(laterId);
    const polled = await listEvents(pg.db, { workflowId, afterId: doomedId - 1 });
    expect(polled.items.map((event) => event.id)).toEqual([laterId]);
  });
});

describe("a slow subscriber", () => {
  it("overflows into catch-up without holding up others, and still gets everything in order", async () => {
    const capacity = 10;
    const feed = await openFeed({ capacity, pageSize: 4 });
    const workflowId = randomUUID();
    const slow = await feed.subscribe({ filter: { workflowId } });
    const fast = await feed.subscribe({ filter: { workflowId } });

    // The fast subscriber reads while events are committed; the slow one does not read at all.
    const fastReading = take(fast, 60);
    const recorded = await recordTagged(workflowId, 60, 7);
    expect(ids(await fastReading)).toEqual(recorded);

    const stalled = slow.stats();
    expect(stalled.overflows).toBeGreaterThanOrEqual(1);
    expect(stalled.mode).toBe("catch-up");
    // Memory: the queue was dropped when it would have grown past the cap.
    expect(stalled.peakQueued).toBeLessThanOrEqual(capacity);
    expect(stalled.queued).toBe(0);

    // Now it reads: everything, in order, once.
    expect(ids(await take(slow, 60))).toEqual(recorded);
    // Caught up, the next read finds nothing left in the table and rejoins the live feed.
    const pending = slow.next();
    expect(slow.stats().mode).toBe("live");
    const more = await recordTagged(workflowId, 3);
    expect([(await pending)?.id, ...ids(await take(slow, 2))]).toEqual(more);
    expect(slow.stats()).toMatchObject({ mode: "live", overflows: stalled.overflows });
    expect(slow.stats().peakQueued).toBeLessThanOrEqual(capacity);
  });
});

describe("reads per notification", () => {
  it("takes one read for a notification whose events leave no gap", async () => {
    const feed = await openFeed();
    const workflowId = randomUUID();
    const subscription = await feed.subscribe({ filter: { workflowId } });
    // Reads happen only within cycles, one cycle at a time: a cycle's reads are the difference
    // from the cycle before it.
    const cycles: EventFeedStats[] = [];
    cleanups.push(feed.onCycle((stats) => cycles.push(stats)));
    // First one event, read whichever way (an earlier test may have left an unused id).
    await recordTagged(workflowId, 1);
    await take(subscription, 1);

    const recorded = await recordTagged(workflowId, 3, 3);
    expect(ids(await take(subscription, 3))).toEqual(recorded);
    const last = Math.max(...recorded);
    const delivering = cycles.findIndex((stats) => stats.watermark >= last);
    expect(delivering).toBeGreaterThan(0);
    expect((cycles[delivering]?.reads ?? 0) - (cycles[delivering - 1]?.reads ?? 0)).toBe(1);
  });
});
