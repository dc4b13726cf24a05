"use client";

import { ageOf, formatAge } from "@/lib/format/age";
import { useNow } from "@/lib/hooks/use-now";

/**
 * "12 s", ticking every second. Its own component so that only this text re-renders each
 * second, not the table or chart around it.
 */
export function AgeSince({ at, title }: { at: string | number; title?: string }) {
  const now = useNow();
  const iso = typeof at === "number" ? new Date(at).toISOString() : at;
  return (
    <time dateTime={iso} title={title ?? iso}>
      {formatAge(ageOf(at, now))}
    </time>
  );
}
