import type { Database } from "@/db/client";
import { type EventFilter, matchesFilter } from "./filter";
import { type EventRow, readEvents } from "./read";

export interface SubscriberStats {
  mode: "live" | "catch-up";
  /** Events waiting in the live queue now. */
  queued: number;
  /** The most the live queue ever held: never above the capacity. */
  peakQueued: number;
  /** Times the queue overflowed and the subscriber fell back to reading the table. */
  overflows: number;
  /** Id of the last event handed to the consumer (or the position it started from). */
  delivered: number;
}

/** One consumer of the feed: an ordered, gap-free, duplicate-free iterator of its events. */
export interface EventSubscription extends AsyncIterable<EventRow> {
  /** The next event, waiting for one; null once closed (by close() or the abort signal). */
  next(): Promise<EventRow | null>;
  /**
   * Up to `max` events that are ready now, without waiting: a consumer that just received one
   * takes the rest of a burst along with it, so the burst travels as one message.
   */
  takeReady(max: number): EventRow[];
  stats(): SubscriberStats;
  /** Stops delivery at once; a pending next() resolves null. Idempotent. */
  close(): void;
}

/** What a subscriber needs from its feed. */
export interface FeedSource {
  db: Database;
  /** Every event with an id up to this one has been offered to live subscribers, in order. */
  watermark(): number;
  /** Called once, when the subscriber closes. */
  detach(subscriber: Subscriber): void;
}

export interface SubscriberParams {
  filter: EventFilter;
  /** Deliver events after this id (replaying from the table); null: from the watermark. */
  afterId: number | null;
  /** Live queue length; past it, the subscriber reads from the table instead. */
  capacity: number;
  /** Rows per catch-up read. */
  pageSize: number;
  signal?: AbortSignal;
}

/**
 * Two modes. Live: the feed offers each event once, in id order, and matching ones wait in a
 * bounded queue. Catch-up: the queue is dropped and the subscriber reads its events from the
 * table, one page per pull, up to the feed's watermark, then turns live again. A replay
 * (`afterId`) starts in catch-up; an overflowing queue falls back to it. Either way the
 * consumer's pace decides how fast the table is read, memory stays within `capacity` plus one
 * page, and the feed never waits for anyone.
 */
export class Subscriber implements EventSubscription {
  private mode: SubscriberStats["mode"];
  private queue: EventRow[] = [];
  /** A catch-up page being handed out; empty in live mode. */
  private page: EventRow[] = [];
  private delivered: number;
  /** Catch-up: the table has been read up to here. */
  private readUpTo: number;
  /** Live: events up to this id have been taken care of (queued, or did not match). */
  private seenUpTo: number;
  private peakQueued = 0;
  private overflows = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly onAbort = () => this.close();

  constructor(
    private readonly source: FeedSource,
    private readonly params: SubscriberParams,
  ) {
    const start = params.afterId ?? source.watermark();
    this.delivered = start;
    this.readUpTo = start;
    this.seenUpTo = start;
    // Catch-up even when afterId is at the watermark: the switch to live happens in one place.
    this.mode = params.afterId === null ? "live" : "catch-up";
    if (params.signal?.aborted) this.close();
    else params.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Called by the feed for every event, in id order, with the watermark already past it. */
  offer(event: EventRow): void {
    // In catch-up the table is the source; the row will be read from there.
    if (this.mode !== "live" || event.id <= this.seenUpTo) return;
    this.seenUpTo = event.id;
    if (!matchesFilter(this.params.filter, event)) return;
    if (this.queue.length >= this.params.capacity) {
      // Overflow: forget the queue and re-read from what the consumer has actually received.
      this.queue = [];
      this.mode = "catch-up";
      this.readUpTo = this.delivered;
      this.overflows += 1;
    } else {
      this.queue.push(event);
      this.peakQueued = Math.max(this.peakQueued, this.queue.length);
    }
    this.wakeUp();
  }

  async next(): Promise<EventRow | null> {
    for (;;) {
      if (this.closed) return null;
      const event = this.page.shift() ?? (this.mode === "live" ? this.queue.shift() : undefined);
      if (event) {
        this.delivered = event.id;
        return event;
      }
      if (this.mode === "live") await this.waitForOffer();
      else await this.catchUp();
    }
  }

  takeReady(max: number): EventRow[] {
    const ready: EventRow[] = [];
    while (ready.length < max && !this.closed) {
      const event = this.page.shift() ?? (this.mode === "live" ? this.queue.shift() : undefined);
      if (!event) break;
      this.delivered = event.id;
      ready.push(event);
    }
    return ready;
  }

  /** Reads the next page from the table, or turns live once the watermark is reached. */
  private async catchUp(): Promise<void> {
    const target = this.source.watermark();
    if (this.readUpTo >= target) {
      // Synchronously with the check: every event past readUpTo will now be offered. A client
      // that is ahead of this instance (it read further elsewhere) skips what it already has.
      this.mode = "live";
      this.seenUpTo = this.readUpTo;
      return;
    }
    const { pageSize } = this.params;
    const rows = await readEvents(this.source.db, {
      filter: this.params.filter,
      afterId: this.readUpTo,
      upTo: target,
      limit: pageSize,
    });
    if (this.closed || this.mode !== "catch-up") return;
    this.page = rows;
    this.readUpTo = rows.length === pageSize ? (rows.at(-1)?.id ?? target) : target;
  }

  private waitForOffer(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private wakeUp() {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  stats(): SubscriberStats {
    return {
      mode: this.mode,
      queued: this.queue.length,
      peakQueued: this.peakQueued,
      overflows: this.overflows,
      delivered: this.delivered,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.page = [];
    this.params.signal?.removeEventListener("abort", this.onAbort);
    this.source.detach(this);
    this.wakeUp();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<EventRow, void> {
    try {
      for (;;) {
        const event = await this.next();
        if (!event) return;
        yield event;
      }
    } finally {
      this.close();
    }
  }
}
