import type { Database } from "@/db/client";
import { tokenLiveness } from "@/server/auth/tokens";
import { isDatabaseUnavailable } from "@/server/errors";
import { log } from "@/server/log/logger";
import type { EventHub } from "./hub";

const watchLog = log.child({ component: "event-stream" });

type Liveness = Awaited<ReturnType<typeof tokenLiveness>>;
const inFlight = new WeakMap<Database, Map<string, Promise<Liveness>>>();

/**
 * One read of a token row for every stream that asks at the same time: after a hub reconnect
 * every open stream re-checks at once, and thousands of screens often share a few tokens.
 */
export function sharedLiveness(db: Database, tokenId: string): Promise<Liveness> {
  let reads = inFlight.get(db);
  if (!reads) {
    reads = new Map();
    inFlight.set(db, reads);
  }
  const pending = reads.get(tokenId);
  if (pending) return pending;
  const read = tokenLiveness(db, tokenId).finally(() => reads.delete(tokenId));
  reads.set(tokenId, read);
  return read;
}

/** Re-check at least this often (a token that expires, a notification that never came). */
const RECHECK_MS = 60_000;

export interface AccessWatch {
  /** Aborts when the caller leaves (`signal`) or when the token may no longer act. */
  signal: AbortSignal;
  /** True once the token was found revoked or expired. */
  revoked(): boolean;
  /** Stops watching. Idempotent. */
  stop(): void;
}

/**
 * Keeps checking that the token behind a long-lived response (an event stream) may still act:
 * it was authenticated once, when the stream opened. A revocation is heard at once through the
 * hub (bearer and session alike: a session dies with its token); a resync (notifications may
 * have been lost), the token's expiry and a slow timer each cause a re-read of the token row.
 */
export function watchAccess(params: {
  db: Database;
  hub: EventHub;
  tokenId: string;
  signal?: AbortSignal;
}): AccessWatch {
  const { db, hub, tokenId } = params;
  const controller = new AbortController();
  let revoked = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const stop = () => {
    offRevoked();
    offResync();
    clearTimeout(timer);
    params.signal?.removeEventListener("abort", onLeave);
  };
  const end = () => {
    revoked = true;
    stop();
    controller.abort(new Error("the token was revoked or has expired"));
  };
  const onLeave = () => {
    stop();
    controller.abort(params.signal?.reason);
  };

  const check = async () => {
    clearTimeout(timer);
    if (controller.signal.aborted) return;
    try {
      const liveness = await sharedLiveness(db, tokenId);
      if (controller.signal.aborted) return;
      if (!liveness.live) return end();
      const untilExpiry = liveness.expiresAt ? liveness.expiresAt.getTime() - Date.now() : null;
      // At least a second: with the server's clock ahead of the database's, the expiry may
      // look past while the row is still live, and a zero delay would spin.
      timer = setTimeout(check, Math.max(1000, Math.min(untilExpiry ?? RECHECK_MS, RECHECK_MS)));
      timer.unref?.();
    } catch (error) {
      // Unreachable, the database is reported once by its circuit, not once per open stream.
      // Either way the stream's own reads fail too: try again later.
      if (!isDatabaseUnavailable(error)) watchLog.warn({ err: error }, "checking a token failed");
      timer = setTimeout(check, RECHECK_MS);
      timer.unref?.();
    }
  };

  const offRevoked = hub.onTokenRevoked((id) => {
    if (id === tokenId) end();
  });
  const offResync = hub.onResync(() => void check());
  if (params.signal?.aborted) onLeave();
  else params.signal?.addEventListener("abort", onLeave, { once: true });
  // First LISTEN, then read: a revocation between the stream's authentication and now is
  // either in the row or in a notification still to come.
  void hub.ready().then(check, () => {});

  return { signal: controller.signal, revoked: () => revoked, stop };
}
