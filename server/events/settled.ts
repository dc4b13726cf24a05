import { asc, gt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/rows";
import { taskEvents } from "@/db/schema/tasks";

/*
 * The bigserial gap. An event's id is taken from the sequence when it is inserted, but it
 * becomes visible when its transaction commits, and transactions commit in any order: while
 * T1 (id 10) is still open, T2 (id 11) may commit and be read. A reader that then moves its
 * position to 11 never sees 10. Ids are also lost for good (a rolled-back insert), so a gap
 * cannot simply be waited out.
 *
 * Our answer: a position only moves past a gap once every transaction that could still fill it
 * has ended. The transaction holding a missing id has inserted into task_events, so it holds a
 * RowExclusiveLock on the table (taken before the id is drawn, released after the commit is
 * visible). After a read that shows a gap we note the set of such lock holders; once none of
 * them is left (new writers do not matter: their ids are larger than every id we read), a read
 * shows every id up to the largest one we saw that will ever exist. The holders come from
 * pg_locks, not from an xid column: that needs no schema change, works on PostgreSQL 14, and
 * costs nothing unless a gap is actually seen. Rejected: re-reading a trailing window or
 * waiting N ms per gap both lose an event whose transaction outlives the guess, and both
 * deliver out of order, which breaks resuming from one `lastEventId`.
 *
 * The price: a transaction that records an event and then stays open holds back, in order,
 * every later event until it ends. The engine's transactions are short.
 *
 * Assumes the sequence hands out ids in increasing order across sessions (CACHE 1, bigserial's
 * default).
 */

export interface SettledBoundOptions {
  /** How many ids to look at past `afterId` (index-only, cheap). Default 1,000. */
  scanLimit?: number;
  /** How long to wait for the writers that could fill a gap. Default 1,000 ms; 0: look once. */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface SettledBound {
  /** Every id in (afterId, bound] is final: visible now, or never. `bound >= afterId`. */
  bound: number;
  /** The scan was full: ids past `bound` exist already, ask again from `bound`. */
  more: boolean;
  /** A gap right after `bound` may still be filled: ask again later. */
  held: boolean;
}

/** How far past `afterId` a reader may advance without ever skipping an event. */
export async function settledBound(
  db: Database,
  afterId: number,
  options: SettledBoundOptions = {},
): Promise<SettledBound> {
  const scanLimit = options.scanLimit ?? 1000;
  const ids = await db
    .select({ id: taskEvents.id })
    .from(taskEvents)
    .where(gt(taskEvents.id, afterId))
    .orderBy(asc(taskEvents.id))
    .limit(scanLimit)
    .then((rows) => rows.map((row) => row.id));
  const last = ids.at(-1);
  if (last === undefined) return { bound: afterId, more: false, held: false };
  const more = ids.length === scanLimit;
  const gapAfter = firstGap(afterId, ids);
  if (gapAfter === null) return { bound: last, more, held: false };
  // Must run after the read above: a writer that owned a missing id then is either still
  // listed now, or has ended (and its row, if committed, is visible to the caller's next read).
  if (await writersFinished(db, options.waitMs ?? 1000, options.signal)) {
    return { bound: last, more, held: false };
  }
  return { bound: gapAfter, more: false, held: true };
}

/**
 * The newest position a "live from now" reader may start at: the largest id such that no
 * smaller one can still appear, looking back over the latest `scanLimit` ids.
 */
export async function settledHead(
  db: Database,
  options: SettledBoundOptions = {},
): Promise<number> {
  const scanLimit = options.scanLimit ?? 1000;
  const [window] = await queryRows(
    db,
    "oldest recent event id",
    z.object({ oldest: z.string().nullable() }),
    sql`
    select min(id)::text as oldest
    from (select id from task_events order by id desc limit ${scanLimit}) as latest
  `,
  );
  if (!window?.oldest) return 0;
  // Start just below the window, so that a gap inside it is seen; ids older than the window
  // are taken as final (a transaction that far behind is not one of ours).
  let position = Number(window.oldest) - 1;
  for (;;) {
    const { bound, more, held } = await settledBound(db, position, { ...options, scanLimit });
    position = bound;
    if (held || !more) return position;
  }
}

/** The id after which the first gap in `ids` (ascending, all > afterId) starts, or null. */
function firstGap(afterId: number, ids: readonly number[]): number | null {
  let previous = afterId;
  for (const id of ids) {
    if (id !== previous + 1) return previous;
    previous = id;
  }
  return null;
}

const POLL_START_MS = 2;
const POLL_MAX_MS = 50;

/**
 * Resolves true once every transaction that holds a write lock on task_events now (other than
 * this session) has ended, false if some are still open after `waitMs` or on abort. Polls
 * pg_locks: PostgreSQL offers no way to be told that another transaction ended.
 */
export async function writersFinished(
  db: Database,
  waitMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const first = await eventWriters(db);
  if (first.size === 0) return true;
  const deadline = Date.now() + waitMs;
  let pause = POLL_START_MS;
  let remaining = first;
  while (Date.now() < deadline && !signal?.aborted) {
    await pauseFor(Math.min(pause, Math.max(0, deadline - Date.now())), signal);
    pause = Math.min(pause * 2, POLL_MAX_MS);
    const now = await eventWriters(db);
    // Virtual transaction ids are not reused while the cluster runs: one that left the set is
    // gone for good, so only the survivors are watched.
    remaining = new Set([...remaining].filter((vxid) => now.has(vxid)));
    if (remaining.size === 0) return true;
  }
  return false;
}

/** Virtual transaction ids of the sessions holding a write lock on task_events. */
async function eventWriters(db: Database): Promise<Set<string>> {
  // `database`: relation oids are per database, and one cluster serves many (tests, tenants).
  // `pid is distinct from`: prepared transactions have no pid and must be counted.
  const rows = await queryRows(
    db,
    "transactions writing events",
    z.object({ vxid: z.string() }),
    sql`
    select virtualtransaction as vxid
    from pg_locks
    where locktype = 'relation'
      and database = (select oid from pg_database where datname = current_database())
      and relation = 'task_events'::regclass
      and mode = 'RowExclusiveLock'
      and granted
      and pid is distinct from pg_backend_pid()
  `,
  );
  return new Set(rows.map((row) => row.vxid));
}

function pauseFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
