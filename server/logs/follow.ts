import type { Database } from "@/db/client";
import type { EventHub } from "@/server/events/hub";
import { type LogLine, lastLogSeq, readLinesAfter } from "./read";

/** Lines per read while catching up; each read becomes one message of the stream. */
export const FOLLOW_PAGE = 1000;
/** Safety net: read even without a notification this often. */
const POLL_MS = 10_000;

export interface FollowParams {
  db: Database;
  hub: EventHub;
  taskId: string;
  /** Resume after this sequence number; null: from the log's end now. */
  afterSeq: number | null;
  signal: AbortSignal;
}

/**
 * Follows one task's log: pages of lines in sequence order, none twice and none skipped, first
 * those after `afterSeq`, then each as it is appended. Woken only by this task's
 * notifications (hub.onTaskLog), a resync, or a slow poll; ends when `signal` aborts.
 *
 * Gap-free because appends to one task are serialised by its state row's lock and numbered in
 * that order (append.ts): when a line is visible, every line before it is.
 */
export async function* followLog(params: FollowParams): AsyncGenerator<LogLine[], void> {
  const { db, hub, taskId, signal } = params;
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  // Listening before the first read: a line appended in between is read or notified.
  const offLog = hub.onTaskLog(taskId, poke);
  const offResync = hub.onResync(poke);
  signal.addEventListener("abort", poke, { once: true });
  const poll = setInterval(poke, POLL_MS);
  poll.unref?.();
  try {
    await hub.ready();
    let position = params.afterSeq ?? (await lastLogSeq(db, taskId));
    while (!signal.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      dirty = false;
      const lines = await readLinesAfter(db, taskId, position, FOLLOW_PAGE);
      if (signal.aborted) return;
      const last = lines.at(-1);
      if (!last) continue;
      position = last.seq;
      // A full page: more may be waiting without a notification still to come.
      if (lines.length === FOLLOW_PAGE) dirty = true;
      yield lines;
    }
  } finally {
    offLog();
    offResync();
    clearInterval(poll);
    signal.removeEventListener("abort", poke);
  }
}
