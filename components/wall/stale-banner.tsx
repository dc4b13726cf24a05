"use client";

import { formatAge } from "@/lib/format/age";
import { useNow } from "@/lib/hooks/use-now";

/**
 * "Data is N s old", ticking, whenever the wall is not live; nothing while it is. Amber, with
 * an icon and words, and a live region so assistive technology hears it too.
 */
export function StaleBanner({
  staleSince,
  connecting,
}: {
  staleSince: number | null;
  connecting: boolean;
}) {
  const now = useNow(1_000);
  const stale = staleSince !== null;
  return (
    <div role="status" aria-live="polite" className="contents">
      {stale || connecting ? (
        <p
          data-testid="wall-stale-banner"
          className="rounded-[0.4em] border-[0.12em] border-amber-400 bg-amber-950 px-[0.8em] py-[0.2em] text-center text-[1.1em] font-semibold text-amber-200"
        >
          <span aria-hidden="true">▲</span>{" "}
          {stale
            ? `Not live — data is ${formatAge(now - staleSince)} old; reconnecting…`
            : "Connecting…"}
        </p>
      ) : null}
    </div>
  );
}
