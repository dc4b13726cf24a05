"use client";

import { useEffect, useRef, useState } from "react";
import { createThrottle } from "@/lib/throttle";

/**
 * A function that calls `callback` at most once per `intervalMs` (lib/throttle.ts): at once
 * after a quiet spell, then once more at the end of the interval for everything that came in
 * between (`intervalMs` is read once). For refetching aggregates (usage, charts) on bursts
 * of live events without a request per event. The latest `callback` is always the one called.
 */
export function useThrottledCallback(callback: () => void, intervalMs: number): () => void {
  const latest = useRef(callback);
  latest.current = callback;
  const [throttle] = useState(() => createThrottle(() => latest.current(), intervalMs));
  useEffect(() => () => throttle.cancel(), [throttle]);
  return throttle.call;
}
