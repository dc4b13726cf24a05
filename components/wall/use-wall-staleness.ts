"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useNow } from "@/lib/hooks/use-now";
import { useConnection } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";
import { HEADLINE_REFRESH_MS } from "./headline-panel";

/**
 * Since when the wall's data has not been known current, or null while it is live. The event
 * stream's status covers a server or network outage; the headline's refresh covers the case
 * the stream cannot see, a server that is up but whose database is not (its stream stays open,
 * and quiet, while every query fails).
 */
export function useWallStaleness(): { staleSince: number | null; connecting: boolean } {
  const connection = useConnection();
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  const now = useNow(1_000);
  if (connection.status === "connecting") {
    return { staleSince: connection.staleSince, connecting: connection.staleSince === null };
  }
  if (connection.status === "reconnecting") {
    return { staleSince: connection.staleSince, connecting: false };
  }
  const headline = queryClient.getQueryState(trpc.metrics.headline.queryKey());
  const updatedAt = headline?.dataUpdatedAt ?? 0;
  // Two refreshes missed in a row (each with its retries) is an outage, not a slow reply.
  if (updatedAt > 0 && headline?.status === "error" && now - updatedAt > 2 * HEADLINE_REFRESH_MS) {
    return { staleSince: updatedAt, connecting: false };
  }
  return { staleSince: null, connecting: false };
}
