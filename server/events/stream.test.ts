import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { reportProgress } from "@/server/tasks/progress";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import { eventFeedFixture } from "@/test/event-feed";
import type { EventFilter } from "./filter";
import { LISTENER_APPLICATION_NAME } from "./hub";
import { listEvents } from "./list";

const pg = setupTestDatabase();
const { openFeed, take, takeUntil, record, recordTagged, ids } = eventFeedFixture(pg);

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
