import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { eventFeedFixture } from "@/test/event-feed";
import { listEvents } from "./list";
import type { EventFeedStats } from "./stream";

/** The feed's ordering under load: id gaps, slow subscribers, reads per notification. */
const pg = setupTestDatabase();
const { cleanups, openFeed, take, cycleWhere, recordTagged, openTransaction, ids } =
  eventFeedFixture(pg);

describe("the bigserial gap", () => {
  /**
   * A subscriber, an open transaction that took an event id, and a later event committed
   * meanwhile: the gap the feed must wait at, with its held cycle's stats.
   */
  async function gapBehindOpenTransaction() {
    const feed = await openFeed({ gapWaitMs: 20, gapRetryMs: 10 });
    const workflowId = randomUUID();
    const subscription = await feed.subscribe({ filter: { workflowId } });
    const open = openTransaction(workflowId);
    const openId = await open.id;
    const [laterId = 0] = await recordTagged(workflowId, 1);
    expect(laterId).toBeGreaterThan(openId);
    const held = await cycleWhere(feed, (s) => s.held);
    return { feed, workflowId, subscription, open, openId, laterId, held };
  }

  it("waits for a smaller id committed after a larger one, and delivers both in order", async () => {
    const {
      workflowId,
      subscription,
      open: early,
      openId: earlyId,
      laterId,
      held,
    } = await gapBehindOpenTransaction();

    // The feed has read the later row and holds it back behind the open transaction's id.
    expect(held.watermark).toBe(earlyId - 1);
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
    const {
      feed,
      workflowId,
      subscription,
      open: doomed,
      openId: doomedId,
      laterId,
    } = await gapBehindOpenTransaction();

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
