"use client";

import { type QueryFilters, useQueryClient } from "@tanstack/react-query";
import { useThrottledCallback } from "@/lib/hooks/use-throttled-callback";

/**
 * Returns `poke()`: invalidates the queries matching `filters` at once, then at most once per
 * `intervalMs` however often it is poked. For aggregates that events alone cannot rebuild
 * (counts, usage), under a stream of hundreds of events a second.
 */
export function useThrottledInvalidate(filters: QueryFilters, intervalMs: number): () => void {
  const queryClient = useQueryClient();
  return useThrottledCallback(() => void queryClient.invalidateQueries(filters), intervalMs);
}
