import postgres from "postgres";
import { reconnectBackoffS } from "@/db/client";
import { log } from "@/server/log/logger";
import { onShutdown } from "@/server/process/shutdown";
import { processSlot } from "@/server/process/slots";
import { CHANNELS } from "./record";

/** How a `waitForQueue` ended. `aborted` also covers the hub closing under the waiter. */
export type QueueWaitResult = "notified" | "timeout" | "aborted";

export interface EventHubStats {
  queueWaiters: number;
  eventListeners: number;
  resyncListeners: number;
  revokedListeners: number;
  /** Tasks whose log someone follows in this process. */
  followedLogs: number;
  /** LISTENs re-established after a lost connection, over the hub's life. */
  relistens: number;
}

/** The per-process LISTEN side of docs/architecture.md "Events and live updates": one connection, fanned out. */
export interface EventHub {
  /**
   * Resolves when a task may have become claimable (a tm_queue notification, or a reconnect
   * after which notifications may have been missed), after `timeoutMs`, or on abort.
   * Callers must re-check the database either way: a notification is a hint, not a claim.
   */
  waitForQueue(timeoutMs: number, signal?: AbortSignal): Promise<QueueWaitResult>;
  /** Calls `listener` with the id of the newest event on every tm_events notification. */
  onEvent(listener: (lastId: number) => void): () => void;
  /**
   * Calls `listener` when events may have been missed (the LISTEN was re-established after a
   * reconnect, or a payload was unreadable): subscribers re-read from their last seen id.
   */
  onResync(listener: () => void): () => void;
  /**
   * Calls `listener` with a token's id when it is revoked (a tm_revoked notification). A lost
   * notification is covered by onResync: listeners re-check what they hold there.
   */
  onTokenRevoked(listener: (tokenId: string) => void): () => void;
  /**
   * Calls `listener` with the last sequence number whenever `taskId` gets new log lines (a
   * tm_logs notification). Keyed by task: a notification wakes that task's followers only.
   * Lost notifications are covered by onResync.
   */
  onTaskLog(taskId: string, listener: (lastSeq: number) => void): () => void;
  /** Resolves once every channel is LISTENed; notifications sent before that may be missed. */
  ready(): Promise<void>;
  stats(): EventHubStats;
  /** Ends the connection; pending waiters resolve "aborted". Idempotent. */
  close(): Promise<void>;
}

export const LISTENER_APPLICATION_NAME = "task-manager-listener";

const hubLog = log.child({ component: "event-hub" });

/** Re-listens closer together than this are one reconnect: one wake-up, one resync. */
const RELISTEN_COALESCE_MS = 100;

/**
 * Opens the listening connection. postgres.js keeps a dedicated connection for LISTEN and
 * re-issues every LISTEN after it reconnects, calling `onlisten` again each time; a
 * notification sent while the connection was down is lost, so every listen after the first
 * is turned into a wake-up (queue) or a resync (events).
 */
export function createEventHub(url: string): EventHub {
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    // Notifications sent while it reconnects are lost (and made up by a resync): reconnect
    // as soon as the database is back, not after postgres.js's default backoff of up to 20 s.
    backoff: reconnectBackoffS,
    connection: { application_name: LISTENER_APPLICATION_NAME },
  });
  // A Set, not an EventEmitter: hundreds of long-polling claims would trip the emitter's
  // leak warning, and each waiter must be able to remove itself in O(1).
  const queueWaiters = new Set<(result: QueueWaitResult) => void>();
  const eventListeners = new Set<(lastId: number) => void>();
  const resyncListeners = new Set<() => void>();
  const revokedListeners = new Set<(tokenId: string) => void>();
  const logListeners = new Map<string, Set<(lastSeq: number) => void>>();
  const listenCounts = { events: 0, queue: 0, revoked: 0, logs: 0 };
  let relistens = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let recoverTimer: ReturnType<typeof setTimeout> | undefined;

  const wakeQueueWaiters = (result: QueueWaitResult) => {
    // Each waiter deletes itself; iterate a copy so the set is not mutated under the loop.
    for (const finish of [...queueWaiters]) finish(result);
  };

  const emitResync = () => {
    for (const listener of [...resyncListeners]) {
      try {
        listener();
      } catch (error) {
        hubLog.error({ err: error }, "a resync listener threw");
      }
    }
  };

  const onEventPayload = (payload: string) => {
    const lastId = Number(payload);
    if (!Number.isSafeInteger(lastId) || lastId <= 0) {
      // The payload should always be an id; if it is not, the only safe reading is "something
      // happened", which is what a resync means.
      hubLog.warn({ channel: CHANNELS.events, length: payload.length }, "unreadable payload");
      emitResync();
      return;
    }
    for (const listener of [...eventListeners]) {
      try {
        listener(lastId);
      } catch (error) {
        hubLog.error({ err: error }, "an event listener threw");
      }
    }
  };

  const onRevokedPayload = (tokenId: string) => {
    for (const listener of [...revokedListeners]) {
      try {
        listener(tokenId);
      } catch (error) {
        hubLog.error({ err: error }, "a revocation listener threw");
      }
    }
  };

  const onLogPayload = (payload: string) => {
    const colon = payload.lastIndexOf(":");
    const listeners = logListeners.get(payload.slice(0, colon));
    if (!listeners) return;
    const lastSeq = Number(payload.slice(colon + 1));
    for (const listener of [...listeners]) {
      try {
        listener(lastSeq);
      } catch (error) {
        hubLog.error({ err: error }, "a log listener threw");
      }
    }
  };

  const recover = () => {
    recoverTimer = undefined;
    wakeQueueWaiters("notified");
    emitResync();
  };

  const onListen = (channel: keyof typeof listenCounts) => {
    listenCounts[channel] += 1;
    if (listenCounts[channel] === 1 || closed) return;
    relistens += 1;
    // While a restarting server refuses connections, postgres.js retries in a tight loop and
    // then calls onlisten dozens of times within milliseconds. One wake-up and one resync per
    // burst is enough, and spares every subscriber as many re-reads.
    recoverTimer ??= setTimeout(recover, RELISTEN_COALESCE_MS);
  };

  const listening = Promise.all([
    sql.listen(CHANNELS.events, onEventPayload, () => onListen("events")),
    sql.listen(
      CHANNELS.queue,
      () => wakeQueueWaiters("notified"),
      () => onListen("queue"),
    ),
    sql.listen(CHANNELS.revoked, onRevokedPayload, () => onListen("revoked")),
    sql.listen(CHANNELS.logs, onLogPayload, () => onListen("logs")),
  ]).then(() => undefined);
  // Observed here so a failure is reported even if nobody awaits ready(); ready() still
  // hands the rejection to those who do.
  listening.catch((error: unknown) => {
    if (!closed) hubLog.error({ err: error }, "LISTEN failed");
  });

  return {
    waitForQueue(timeoutMs, signal) {
      if (closed || signal?.aborted) return Promise.resolve("aborted");
      return new Promise<QueueWaitResult>((resolve) => {
        const finish = (result: QueueWaitResult) => {
          queueWaiters.delete(finish);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(result);
        };
        const onAbort = () => finish("aborted");
        const timer = setTimeout(finish, timeoutMs, "timeout");
        signal?.addEventListener("abort", onAbort, { once: true });
        queueWaiters.add(finish);
      });
    },
    onEvent(listener) {
      // Wrapped, so the same function subscribed twice is two subscriptions, each removable.
      const entry = (lastId: number) => listener(lastId);
      eventListeners.add(entry);
      return () => eventListeners.delete(entry);
    },
    onResync(listener) {
      const entry = () => listener();
      resyncListeners.add(entry);
      return () => resyncListeners.delete(entry);
    },
    onTokenRevoked(listener) {
      const entry = (tokenId: string) => listener(tokenId);
      revokedListeners.add(entry);
      return () => revokedListeners.delete(entry);
    },
    onTaskLog(taskId, listener) {
      const entry = (lastSeq: number) => listener(lastSeq);
      let listeners = logListeners.get(taskId);
      if (!listeners) {
        listeners = new Set();
        logListeners.set(taskId, listeners);
      }
      listeners.add(entry);
      return () => {
        const current = logListeners.get(taskId);
        current?.delete(entry);
        if (current?.size === 0) logListeners.delete(taskId);
      };
    },
    ready: () => listening,
    stats: () => ({
      queueWaiters: queueWaiters.size,
      eventListeners: eventListeners.size,
      resyncListeners: resyncListeners.size,
      revokedListeners: revokedListeners.size,
      followedLogs: logListeners.size,
      relistens,
    }),
    close() {
      if (!closing) {
        closed = true;
        clearTimeout(recoverTimer);
        wakeQueueWaiters("aborted");
        eventListeners.clear();
        resyncListeners.clear();
        revokedListeners.clear();
        logListeners.clear();
        closing = sql.end({ timeout: 5 });
      }
      return closing;
    },
  };
}

// One hub per server process, shared by every bundle (server/process/slots.ts).
const slot = processSlot<{ hub: EventHub; undoShutdown: () => void }>("eventHub");

/**
 * The server's event hub, from DATABASE_URL, created on first use; a stopping server closes it
 * after the streams and background services that use it.
 */
export function getEventHub(): EventHub {
  return slot.getOrCreate(() => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the server with `npm start`");
    return {
      hub: createEventHub(url),
      undoShutdown: onShutdown("connections", "event hub", closeEventHub),
    };
  }).hub;
}

/** Closes the server's event hub, if one was created; the next getEventHub() opens anew. */
export async function closeEventHub(): Promise<void> {
  const current = slot.get();
  slot.clear();
  current?.undoShutdown();
  await current?.hub.close();
}
