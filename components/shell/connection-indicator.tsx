"use client";

import { formatAge } from "@/lib/format/age";
import { useNow } from "@/lib/hooks/use-now";
import { useConnection } from "@/lib/live/live-events";

/**
 * Live / connecting / reconnecting (stale since …), by icon, colour and text together. A
 * live region, so screen readers hear when the page stops being current.
 */
export function ConnectionIndicator() {
  const connection = useConnection();
  const now = useNow();
  const { icon, label, tone } =
    connection.status === "live"
      ? { icon: "●", label: "Live", tone: "text-emerald-700 dark:text-emerald-400" }
      : connection.status === "connecting"
        ? { icon: "○", label: "Connecting…", tone: "text-ink-muted" }
        : {
            icon: "▲",
            label: `Reconnecting — stale for ${formatAge(now - (connection.staleSince ?? now))}`,
            tone: "text-amber-700 dark:text-amber-400",
          };
  return (
    <output
      aria-live="polite"
      data-testid="connection-status"
      data-status={connection.status}
      className={`text-sm ${tone}`}
    >
      <span aria-hidden="true">{icon}</span> {label}
    </output>
  );
}
