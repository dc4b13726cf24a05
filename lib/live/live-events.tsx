"use client";

import { useQueryClient } from "@tanstack/react-query";
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { useTRPCClient } from "@/lib/trpc/client";
import type { WireEvent } from "@/server/events/read";
import { type ConnectionSnapshot, type ConnectionStore, createConnectionStore } from "./connection";

/** An event as the browser receives it (JSON: a null `data` may arrive as absent). */
export type LiveEvent = Omit<WireEvent, "data"> & { data?: unknown };

type Listener = (events: LiveEvent[]) => void;

interface LiveEvents {
  connection: ConnectionStore;
  listen(listener: Listener): () => void;
}

const LiveEventsContext = createContext<LiveEvents | null>(null);

/** After a fatal stream error (tRPC's own retries gave up), wait this long, doubling. */
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 15_000;

/**
 * ONE `events.stream` subscription for the whole page, shared by every component through
 * `useLiveEvents` (docs/architecture.md "Events and live updates"). Each component applies the
 * events it cares about to its TanStack Query cache rather than refetching whole lists.
 *
 * When the stream drops, tRPC's link reconnects with the last event id and the server replays
 * what was missed. After a reconnection every query is also refetched once, because some
 * views (counts, charts) are aggregates that events alone do not rebuild. If the link gives up
 * (a fatal error), this restarts it from the last event id, with backoff, forever: a wall
 * screen has nobody to press reload.
 */
export function LiveEventsProvider({
  children,
  startAfterId = null,
}: {
  children: ReactNode;
  /**
   * Resume after this event id (the server's head when it rendered the page: see
   * server/events/page-start.ts), so nothing between the page's first fetches and the stream
   * opening is lost. Null: live from when the stream opens.
   */
  startAfterId?: string | null;
}) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [live] = useState(() => {
    const listeners = new Set<Listener>();
    return {
      connection: createConnectionStore(Date.now, startAfterId),
      listeners,
      listen(listener: Listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  });

  useEffect(() => {
    let stopped = false;
    let restartDelay = RESTART_MIN_MS;
    let restartTimer: ReturnType<typeof setTimeout> | undefined;
    let subscription: { unsubscribe(): void } | undefined;
    let lastId = Number(live.connection.get().lastEventId ?? 0);

    const onOpen = () => {
      restartDelay = RESTART_MIN_MS;
      if (live.connection.opened()) void queryClient.invalidateQueries();
    };
    const restart = () => {
      subscription?.unsubscribe();
      live.connection.dropped();
      if (stopped) return;
      clearTimeout(restartTimer);
      restartTimer = setTimeout(start, restartDelay);
      restartDelay = Math.min(restartDelay * 2, RESTART_MAX_MS);
    };
    function start() {
      const lastEventId = live.connection.get().lastEventId;
      subscription = client.events.stream.subscribe(
        { lastEventId },
        {
          onStarted: onOpen,
          onConnectionStateChange(state) {
            if (state.state === "pending") onOpen();
            else if (state.state === "connecting") live.connection.dropped();
          },
          onData({ id, data }) {
            // A replay after a restart may overlap what was already applied.
            const fresh = data.events.filter((event) => event.id > lastId);
            live.connection.advanced(id);
            if (fresh.length === 0) return;
            lastId = fresh[fresh.length - 1]?.id ?? lastId;
            for (const listener of live.listeners) listener(fresh);
          },
          onError: restart,
          onComplete: restart,
        },
      );
    }
    start();
    return () => {
      stopped = true;
      clearTimeout(restartTimer);
      subscription?.unsubscribe();
    };
  }, [client, queryClient, live]);

  return <LiveEventsContext.Provider value={live}>{children}</LiveEventsContext.Provider>;
}

function useLive(): LiveEvents {
  const live = useContext(LiveEventsContext);
  if (!live) throw new Error("useLiveEvents needs a <LiveEventsProvider> above it");
  return live;
}

/**
 * Calls `handler` with every batch of new events, in id order, for as long as the component
 * is mounted. The latest `handler` is always used, so it need not be memoised.
 */
export function useLiveEvents(handler: Listener): void {
  const live = useLive();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => live.listen((events) => latest.current(events)), [live]);
}

/** The stream's status, for the connection indicator and the wall's stale banner. */
export function useConnection(): ConnectionSnapshot {
  const { connection } = useLive();
  return useSyncExternalStore(connection.subscribe, connection.get, connection.get);
}
