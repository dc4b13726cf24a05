import type { Database } from "@/db/client";
import { isDatabaseUnavailable } from "@/server/errors";
import { log } from "@/server/log/logger";
import { sharedLiveness } from "./access-watch";
import type { EventHub } from "./hub";

const watchLog = log.child({ component: "event-stream" });

/** Re-check at least this often (a token that expires, a notification that never came). */
const RECHECK_MS = 60_000;

export interface TokenWatch<T> {
  /** Watches `stream`'s token from now on; `onRevoked(stream)` once the token may not act. */
  add(tokenId: string, stream: T): void;
  /** Stops watching `stream`. Idempotent. */
  remove(tokenId: string, stream: T): void;
  /** Tokens watched now. */
  size(): number;
  close(): void;
}

interface Entry<T> {
  streams: Set<T>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * watchAccess (access-watch.ts) for many streams at once: thousands of screens often share a
 * few tokens, so the state is per token, not per stream: one hub listener for revocations, one
 * for resyncs, one timer per token for its expiry and the slow re-check. A stream was
 * authenticated when it opened; from then on a revocation is heard at once through the hub,
 * and a resync (notifications may have been lost), the expiry and the timer cause a re-read.
 */
export function createTokenWatch<T>(params: {
  db: Database;
  hub: EventHub;
  onRevoked(stream: T): void;
}): TokenWatch<T> {
  const { db, hub } = params;
  const entries = new Map<string, Entry<T>>();

  const revoke = (tokenId: string) => {
    const entry = entries.get(tokenId);
    if (!entry) return;
    entries.delete(tokenId);
    clearTimeout(entry.timer);
    for (const stream of entry.streams) params.onRevoked(stream);
  };

  const schedule = (tokenId: string, entry: Entry<T>, ms: number) => {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void check(tokenId), ms);
    entry.timer.unref?.();
  };

  const check = async (tokenId: string) => {
    if (!entries.has(tokenId)) return;
    try {
      const liveness = await sharedLiveness(db, tokenId);
      // The entry may have ended (and even started again) meanwhile: act on the current one.
      const entry = entries.get(tokenId);
      if (!entry) return;
      if (!liveness.live) return revoke(tokenId);
      const untilExpiry = liveness.expiresAt ? liveness.expiresAt.getTime() - Date.now() : null;
      // At least a second: with the server's clock ahead of the database's, the expiry may
      // look past while the row is still live, and a zero delay would spin.
      schedule(tokenId, entry, Math.max(1000, Math.min(untilExpiry ?? RECHECK_MS, RECHECK_MS)));
    } catch (error) {
      if (!isDatabaseUnavailable(error)) watchLog.warn({ err: error }, "checking a token failed");
      const entry = entries.get(tokenId);
      if (entry) schedule(tokenId, entry, RECHECK_MS);
    }
  };

  const offRevoked = hub.onTokenRevoked(revoke);
  const offResync = hub.onResync(() => {
    for (const tokenId of entries.keys()) void check(tokenId);
  });

  return {
    add(tokenId, stream) {
      const existing = entries.get(tokenId);
      if (existing) {
        existing.streams.add(stream);
        return;
      }
      const entry: Entry<T> = { streams: new Set([stream]), timer: undefined };
      entries.set(tokenId, entry);
      // First LISTEN, then read: a revocation between the stream's authentication and now is
      // either in the row or in a notification still to come.
      void hub.ready().then(
        () => check(tokenId),
        () => {},
      );
    },
    remove(tokenId, stream) {
      const entry = entries.get(tokenId);
      if (!entry?.streams.delete(stream) || entry.streams.size > 0) return;
      clearTimeout(entry.timer);
      entries.delete(tokenId);
    },
    size: () => entries.size,
    close() {
      offRevoked();
      offResync();
      for (const entry of entries.values()) clearTimeout(entry.timer);
      entries.clear();
    },
  };
}
