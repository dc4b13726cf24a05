"use client";

import { type QueryFilters, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

/**
 * Returns `poke()`: invalidates the queries matching `filters` at once, then at most once per
 * `intervalMs` however often it is poked (one pending timer, never a queue). For aggregates
 * that events alone cannot rebuild (counts, usage), under a stream of hundreds of events a
 * second.
 */
export function useThrottledInvalidate(filters: QueryFilters, intervalMs: number): () => void {
  const queryClient = useQueryClient();
  const state = useRef({ last: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined });
  const latest = useRef(filters);
  latest.current = filters;

  useEffect(() => {
    const current = state.current;
    return () => clearTimeout(current.timer);
  }, []);

  const poke = useRef(() => {
    const s = state.current;
    if (s.timer !== undefined) return;
    const run = () => {
      s.timer = undefined;
      s.last = Date.now();
      void queryClient.invalidateQueries(latest.current);
    };
    const wait = s.last + intervalMs - Date.now();
    if (wait <= 0) run();
    else s.timer = setTimeout(run, wait);
  });
  return poke.current;
}
