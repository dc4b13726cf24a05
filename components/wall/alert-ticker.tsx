"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { AlertRule } from "@/db/schema/alerts";
import { formatAge } from "@/lib/format/age";
import { useNow } from "@/lib/hooks/use-now";
import { useThrottledInvalidate } from "@/lib/hooks/use-throttled-invalidate";
import { type LiveEvent, useLiveEvents } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";

/** The ticker's length: it never holds more, however many alerts open overnight. */
export const TICKER_SIZE = 12;

const SEVERITY = {
  critical: { icon: "‼", label: "Critical", tone: "text-red-300", bar: "border-red-400" },
  warning: { icon: "▲", label: "Warning", tone: "text-amber-300", bar: "border-amber-400" },
} as const;

/**
 * The open (firing) alerts, newest first. Alert events are applied to the cached page: an
 * opened alert goes on top and the page is cut back to TICKER_SIZE, a resolved one leaves.
 */
export function AlertTicker() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const input = { state: "firing" as const, limit: TICKER_SIZE };
  const alerts = useQuery(trpc.alerts.list.queryOptions(input));
  const refill = useThrottledInvalidate(trpc.alerts.list.pathFilter(), 2_000);
  const now = useNow(5_000);

  useLiveEvents((events) => {
    const changes = events.filter((event) => event.kind.startsWith("alert."));
    if (changes.length === 0) return;
    let needsRefill = false;
    queryClient.setQueryData(trpc.alerts.list.queryKey(input), (page) => {
      if (!page) return page;
      let items = page.items;
      let nextCursor = page.nextCursor;
      for (const event of changes) {
        const alert = alertOf(event);
        if (!alert) continue;
        const rest = items.filter((item) => item.id !== alert.id);
        if (alert.state === "firing") {
          const known = rest.length !== items.length;
          if (known)
            items = items.map((item) => (item.id === alert.id ? { ...item, ...alert } : item));
          else if (event.kind === "alert.opened")
            items = [{ ...alert, lastNotifiedAt: null, clearSince: null }, ...items];
        } else {
          items = rest;
          // A slot opened up: older firing alerts beyond the page may belong in it.
          if (nextCursor !== null) needsRefill = true;
        }
      }
      if (items.length > TICKER_SIZE) {
        items = [...items].sort((a, b) => b.id - a.id).slice(0, TICKER_SIZE);
        nextCursor = items.at(-1)?.id ?? null;
      }
      return { items, nextCursor };
    });
    if (needsRefill) refill();
  });

  const items = alerts.data?.items ?? [];
  const more = alerts.data?.nextCursor != null;
  return (
    <section
      aria-labelledby="wall-alerts-title"
      data-testid="wall-panel-alerts"
      className="flex min-h-0 flex-col gap-[0.4em] overflow-hidden rounded-[0.6em] bg-surface-raised p-[0.8em]"
    >
      <h2 id="wall-alerts-title" className="text-[1.1em] font-semibold">
        Open alerts{" "}
        <span className="font-normal text-ink-muted">
          {alerts.data ? `${items.length}${more ? "+" : ""}` : ""}
        </span>
      </h2>
      {alerts.data && items.length === 0 ? (
        <p className="text-emerald-300">
          <span aria-hidden="true">✓</span> No open alerts
        </p>
      ) : null}
      <ol
        className="flex min-h-0 flex-col gap-[0.35em] overflow-hidden"
        data-testid="wall-alert-list"
      >
        {items.map((alert) => {
          const severity = SEVERITY[alert.severity];
          return (
            <li
              key={alert.id}
              data-testid="wall-alert"
              data-alert-id={alert.id}
              className={`flex min-w-0 items-baseline gap-[0.5em] border-l-[0.25em] pl-[0.5em] ${severity.bar}`}
            >
              <span className={`shrink-0 font-semibold ${severity.tone}`}>
                <span aria-hidden="true">{severity.icon}</span> {severity.label}
              </span>
              <span className="line-clamp-2 min-w-0 flex-1 break-words">{alert.message}</span>
              <span className="shrink-0 text-[0.8em] text-ink-muted">
                {alert.acknowledgedAt ? "ack · " : ""}
                {formatAge(Math.max(0, now - Date.parse(alert.openedAt)))}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

interface AlertEventData {
  id: number;
  rule: AlertRule;
  subject: string;
  state: "firing" | "resolved";
  severity: "warning" | "critical";
  value: number;
  threshold: number;
  message: string;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
}

/** The alert an `alert.*` event carries (server/monitor/changes.ts `alertJson`), if well formed. */
function alertOf(event: LiveEvent): AlertEventData | null {
  const data = event.data as Partial<AlertEventData> | undefined;
  if (!data || typeof data.id !== "number" || typeof data.message !== "string") return null;
  if (data.severity !== "warning" && data.severity !== "critical") return null;
  return data as AlertEventData;
}
