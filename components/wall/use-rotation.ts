"use client";

import { useEffect, useState } from "react";

/** The index of the panel to show, advancing every `periodMs` and wrapping at `count`. */
export function useRotation(count: number, periodMs: number | null): number {
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (periodMs === null || count < 2) return;
    const timer = setInterval(() => setIndex((i) => (i + 1) % count), periodMs);
    return () => clearInterval(timer);
  }, [count, periodMs]);
  return index % Math.max(1, count);
}
