import { sql } from "drizzle-orm";
import { afterEach } from "vitest";
import { createEventHub, type EventHub } from "@/server/events/hub";
import type { EventRow } from "@/server/events/read";
import { type NewEvent, recordEvents } from "@/server/events/record";
import {
  createEventFeed,
  type EventFeed,
  type EventFeedOptions,
  type EventFeedStats,
} from "@/server/events/stream";
import type { EventSubscription } from "@/server/events/subscriber";
import type { TestDatabase } from "./db";

/**
 * The event feed's tests' helpers over a test database (stream*.test.ts): feeds with no
 * safety-net poll, subscriptions read under a guard, events committed one transaction at a
 * time or held open, and what each test opened closed after it.
 */
export function eventFeedFixture(pg: TestDatabase) {
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

  return {
    cleanups,
    openFeed,
    take,
    takeUntil,
    cycleWhere,
    record,
    recordTagged,
    openTransaction,
    ids,
  };
}
