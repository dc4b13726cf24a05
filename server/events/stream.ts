import { and, asc, gt, lte } from "drizzle-orm";
import type { Database } from "@/db/client";
import { taskEvents } from "@/db/schema/tasks";
import { createFailureLog } from "@/server/log/failure-log";
import { log } from "@/server/log/logger";
import { onShutdown } from "@/server/process/shutdown";
import { processSlot } from "@/server/process/slots";
import type { EventFilter } from "./filter";
import { type EventHub, getEventHub } from "./hub";
import type { EventRow } from "./read";
import { settledBound, settledHead } from "./settled";
import { type EventSubscription, type FeedSource, Subscriber } from "./subscriber";

export interface EventFeedOptions {
  db: Database;
  hub: EventHub;
  /** Live queue length per subscriber before it falls back to reading the table. */
  capacity?: number;
  /** Rows per read, for the feed and for catch-up reads. */
  pageSize?: number;
  /** How long one read waits for the writers that could fill a gap (settled.ts). */
  gapWaitMs?: number;
  /** Pause before looking at a gap again, after `gapWaitMs` did not close it. */
  gapRetryMs?: number;
  /** Safety net: read even without a notification this often. */
  pollMs?: number;
}

export interface SubscribeParams {
  filter?: EventFilter;
  /** Replay events after this id first; omitted or null: live from now. */
  afterId?: number | null;
  signal?: AbortSignal;
}

export interface EventFeedStats {
  subscribers: number;
  /** Every event up to this id has been offered to the subscribers. */
  watermark: number;
  /** Completed reads. */
  cycles: number;
  /** Reads of task_events (rows or ids): a cycle that finds no gap takes one. */
  reads: number;
  /** The last read stopped before a gap that an open transaction may still fill. */
  held: boolean;
}

/**
 * The per-process fan-out of docs/architecture.md "Events and live updates": ONE reader per
 * process follows task_events (woken by the hub's notifications, with a slow poll as a safety
 * net) and offers each new row, in id order, to every subscriber; each filters and queues for
 * itself (subscriber.ts). N subscribers cost one query per notification, not N.
 */
export interface EventFeed {
  /** The hub the feed listens on; streams also hear of revoked tokens there. */
  readonly hub: EventHub;
  /** Resolves once the feed has found its starting position. */
  ready(): Promise<void>;
  subscribe(params?: SubscribeParams): Promise<EventSubscription>;
  /** Every event with an id up to this one is final and has been offered to subscribers. */
  watermark(): number;
  stats(): EventFeedStats;
  /** Calls `listener` after every read, with the stats then. For tests and diagnostics. */
  onCycle(listener: (stats: EventFeedStats) => void): () => void;
  /**
   * Calls `listener` with every page of new events, in id order, synchronously after they were
   * offered (the watermark is then the page's last id). One listener can serve many streams:
   * broadcast.ts serialises each page once per filter instead of once per subscriber.
   */
  onPage(listener: (rows: readonly EventRow[]) => void): () => void;
  /** Calls `listener` once when the feed closes (the server stopping, or a failed start). */
  onClose(listener: () => void): () => void;
  /** Ends every subscription and stops reading. Does not close the hub or the pool. */
  close(): void;
}

const DEFAULTS = {
  capacity: 1000,
  pageSize: 500,
  gapWaitMs: 1000,
  gapRetryMs: 100,
  pollMs: 10_000,
  /** First pause after a failed read; doubles up to the maximum. */
  errorRetryMs: 500,
  errorRetryMaxMs: 30_000,
};

const feedLog = log.child({ component: "event-feed" });

export function createEventFeed(options: EventFeedOptions): EventFeed {
  const { db, hub } = options;
  const readFailures = createFailureLog(feedLog, "reading task_events");
  const capacity = options.capacity ?? DEFAULTS.capacity;
  const pageSize = options.pageSize ?? DEFAULTS.pageSize;
  const gapWaitMs = options.gapWaitMs ?? DEFAULTS.gapWaitMs;
  const gapRetryMs = options.gapRetryMs ?? DEFAULTS.gapRetryMs;
  const subscribers = new Set<Subscriber>();
  const cycleListeners = new Set<(stats: EventFeedStats) => void>();
  const pageListeners = new Set<(rows: readonly EventRow[]) => void>();
  const closeListeners = new Set<() => void>();
  const stopping = new AbortController();
  let watermark = 0;
  let cycles = 0;
  let reads = 0;
  let held = false;
  let reading = false;
  let again = false;
  let errorPause = DEFAULTS.errorRetryMs;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const source: FeedSource = {
    db,
    watermark: () => watermark,
    detach: (subscriber) => subscribers.delete(subscriber),
  };

  const stats = (): EventFeedStats => ({
    subscribers: subscribers.size,
    watermark,
    cycles,
    reads,
    held,
  });

  /** Reads until caught up. One read at a time; a wake-up during a read causes one more. */
  const wake = () => {
    again = true;
    if (reading || stopping.signal.aborted) return;
    reading = true;
    void (async () => {
      try {
        while (again && !stopping.signal.aborted) {
          again = false;
          await cycle();
          errorPause = DEFAULTS.errorRetryMs;
          readFailures.succeeded();
        }
      } catch (error) {
        if (!stopping.signal.aborted) {
          readFailures.failed(error);
          retryLater(errorPause);
          errorPause = Math.min(errorPause * 2, DEFAULTS.errorRetryMaxMs);
        }
      } finally {
        reading = false;
      }
    })();
  };

  const retryLater = (ms: number) => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(wake, ms);
    retryTimer.unref?.();
  };

  const cycle = async () => {
    for (;;) {
      // Mostly one read per notification: rows after the watermark whose ids leave no gap are
      // all final (settled.ts) and go out at once. A gap takes the careful path below.
      const rows = await readPage(watermark);
      if (stopping.signal.aborted) return;
      if (gaplessIds(watermark, rows)) {
        deliver(rows);
        held = false;
        if (rows.length < pageSize) break;
        continue;
      }
      reads += 1;
      const settled = await settledBound(db, watermark, {
        scanLimit: pageSize,
        waitMs: gapWaitMs,
        signal: stopping.signal,
      });
      if (stopping.signal.aborted) return;
      await deliverUpTo(settled.bound);
      held = settled.held;
      if (!settled.more) break;
    }
    cycles += 1;
    // No notification comes for a rolled-back gap: look again until it is resolved.
    if (held) retryLater(gapRetryMs);
    const snapshot = stats();
    for (const listener of [...cycleListeners]) listener(snapshot);
  };

  /** Up to a page of events after `afterId` (and up to `upTo`), in id order. */
  const readPage = (afterId: number, upTo?: number) => {
    reads += 1;
    return db
      .select()
      .from(taskEvents)
      .where(
        and(gt(taskEvents.id, afterId), upTo === undefined ? undefined : lte(taskEvents.id, upTo)),
      )
      .orderBy(asc(taskEvents.id))
      .limit(pageSize);
  };

  /** Offers `rows` (final, in id order, following the watermark) to every subscriber. */
  const deliver = (rows: readonly EventRow[]) => {
    // Synchronous from here to the end of the page: a subscriber that compares its position
    // with the watermark (to turn live) sees either all of a row's effects or none.
    for (const row of rows) offer(row);
    if (rows.length > 0) for (const listener of [...pageListeners]) listener(rows);
  };

  /** Offers every event in (watermark, bound] in order; the watermark then is `bound`. */
  const deliverUpTo = async (bound: number) => {
    while (watermark < bound) {
      const rows = await readPage(watermark, bound);
      if (stopping.signal.aborted) return;
      deliver(rows);
      if (rows.length < pageSize) watermark = bound;
    }
  };

  const offer = (row: EventRow) => {
    // First the watermark: a subscriber that overflows on this row re-reads up to it.
    watermark = row.id;
    for (const subscriber of [...subscribers]) subscriber.offer(row);
  };

  const starting = (async () => {
    // LISTEN first, then the position: an event committed in between is read, not missed.
    await hub.ready();
    watermark = await settledHead(db, { scanLimit: pageSize, waitMs: gapWaitMs });
  })();
  starting.catch(() => {});

  const offEvent = hub.onEvent(wake);
  // A resync (notifications may have been lost while the hub reconnected) needs no more than a
  // read: the reader's position is in the table, not in the notifications, so it finds every
  // row it has not offered yet, and every subscriber gets them from there, live or catching up.
  const offResync = hub.onResync(wake);
  const poll = setInterval(wake, options.pollMs ?? DEFAULTS.pollMs);
  poll.unref?.();
  // Reads start once the position is known; wake-ups before that are kept in `again`.
  void starting.then(wake, () => {});

  return {
    hub,
    ready: () => starting,
    async subscribe(params = {}) {
      await starting;
      const subscriber = new Subscriber(source, {
        filter: params.filter ?? {},
        afterId: params.afterId ?? null,
        capacity,
        pageSize,
        signal: params.signal,
      });
      if (!stopping.signal.aborted && !params.signal?.aborted) subscribers.add(subscriber);
      else subscriber.close();
      return subscriber;
    },
    watermark: () => watermark,
    stats,
    onCycle(listener) {
      const entry = (snapshot: EventFeedStats) => listener(snapshot);
      cycleListeners.add(entry);
      return () => cycleListeners.delete(entry);
    },
    onPage(listener) {
      const entry = (rows: readonly EventRow[]) => listener(rows);
      pageListeners.add(entry);
      return () => pageListeners.delete(entry);
    },
    onClose(listener) {
      const entry = () => listener();
      closeListeners.add(entry);
      return () => closeListeners.delete(entry);
    },
    close() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      offEvent();
      offResync();
      clearInterval(poll);
      clearTimeout(retryTimer);
      for (const subscriber of [...subscribers]) subscriber.close();
      cycleListeners.clear();
      pageListeners.clear();
      for (const listener of [...closeListeners]) listener();
      closeListeners.clear();
    },
  };
}

// One feed per server process (per database handle), shared by every bundle
// (server/process/slots.ts).
const feedsSlot = processSlot<WeakMap<Database, EventFeed>>("eventFeeds");

/**
 * The feed over `db`: in the server, `getDb()` with the process's hub, created on first use.
 * Tests that call the HTTP handler with a database of their own register a feed for it first
 * (`provideEventFeed`), since the process hub listens on DATABASE_URL.
 */
export function eventFeedFor(db: Database): EventFeed {
  const feeds = feedsSlot.getOrCreate(() => new WeakMap());
  let feed = feeds.get(db);
  if (!feed) {
    const created = createEventFeed({ db, hub: getEventHub() });
    feeds.set(db, created);
    // Streams never end by themselves, and Next waits for open requests before it exits:
    // they end first when the server stops. Clients reconnect with their last event id.
    const undoShutdown = onShutdown("streams", "event feed", () => created.close());
    // A feed that could not start (database down) is dropped, so the next subscriber (the
    // client reconnecting) starts a new one instead of inheriting the failure.
    created.ready().catch((error: unknown) => {
      feedLog.warn({ err: error }, "the event feed could not start; the next subscriber retries");
      if (feeds.get(db) === created) feeds.delete(db);
      undoShutdown();
      created.close();
    });
    feed = created;
  }
  return feed;
}

/** Makes `feed` the one `eventFeedFor(db)` returns. */
export function provideEventFeed(db: Database, feed: EventFeed): void {
  feedsSlot.getOrCreate(() => new WeakMap()).set(db, feed);
}

/** True when `rows` (ascending) are exactly the ids after `afterId`, one by one: no gap. */
function gaplessIds(afterId: number, rows: readonly { id: number }[]): boolean {
  return rows.every((row, i) => row.id === afterId + i + 1);
}
