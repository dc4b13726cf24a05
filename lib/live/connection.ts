/**
 * Where the browser's live event stream stands, as a tiny store that React reads with
 * useSyncExternalStore. Kept free of React and tRPC so its rules are plain to test.
 *
 * - `connecting`: the first connection is being made; nothing has been live yet.
 * - `live`: the stream is open; what the page shows is current.
 * - `reconnecting`: the stream dropped; the page shows data as of `staleSince`.
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting";

export interface ConnectionSnapshot {
  status: ConnectionStatus;
  /** When the status last changed (ms since the epoch). */
  since: number;
  /** While not live: the last moment the data was known current. Null before the first. */
  staleSince: number | null;
  /** The id of the last event applied, for resuming. */
  lastEventId: string | null;
}

export interface ConnectionStore {
  get(): ConnectionSnapshot;
  subscribe(listener: () => void): () => void;
  /** The stream is open (or reopened). Returns true when this ends a reconnection. */
  opened(): boolean;
  /** The stream dropped; retries are under way. */
  dropped(): void;
  /** An event was applied. */
  advanced(lastEventId: string): void;
}

export function createConnectionStore(
  now: () => number = Date.now,
  lastEventId: string | null = null,
): ConnectionStore {
  let snapshot: ConnectionSnapshot = {
    status: "connecting",
    since: now(),
    staleSince: null,
    lastEventId,
  };
  const listeners = new Set<() => void>();
  const set = (next: ConnectionSnapshot) => {
    snapshot = next;
    for (const listener of listeners) listener();
  };
  return {
    get: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    opened() {
      if (snapshot.status === "live") return false;
      const wasReconnecting = snapshot.status === "reconnecting";
      set({ ...snapshot, status: "live", since: now(), staleSince: null });
      return wasReconnecting;
    },
    dropped() {
      if (snapshot.status !== "live") return;
      const at = now();
      set({ ...snapshot, status: "reconnecting", since: at, staleSince: at });
    },
    advanced(lastEventId) {
      // Not a re-render trigger: nothing on screen shows the id, and bursts would churn.
      snapshot = { ...snapshot, lastEventId };
    },
  };
}
