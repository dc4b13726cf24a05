"use client";

import { useEffect, useMemo, useRef } from "react";

/**
 * A function that calls `callback` at most once per `intervalMs`: at once after a quiet spell,
 * then once more at the end of the interval for everything that came in between. For refetching
 * aggregates (usage, charts) on bursts of live events without a request per event.
 */
export function useThrottledCallback(callback: () => void, intervalMs: number): () => void {
  const latest = useRef(callback);
  latest.current = callback;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({
    last: Number.NEGATIVE_INFINITY,
    timer: undefined,
  });
  useEffect(() => {
    const current = state.current;
    return () => clearTimeout(current.timer);
  }, []);
  return useMemo(() => {
    const run = () => {
      state.current.timer = undefined;
      state.current.last = Date.now();
      latest.current();
    };
    return () => {
      if (state.current.timer) return;
      const wait = state.current.last + intervalMs - Date.now();
      if (wait <= 0) run();
      else state.current.timer = setTimeout(run, wait);
    };
  }, [intervalMs]);
}
