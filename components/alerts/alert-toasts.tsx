"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { type AlertEventData, alertFromEvent } from "@/lib/alerts/alert-cache";
import { keepNewest, MAX_TOASTS, TOAST_MS } from "@/lib/alerts/toasts";
import { useLiveEvents } from "@/lib/live/live-events";
import { SeverityBadge } from "./alert-badges";
import { useLiveAlertLists } from "./use-alert-lists";

/**
 * A toast for every alert.opened event, on every page, linking to /alerts. Dismissible, hides
 * itself, and keeps the newest MAX_TOASTS and the one holding focus. Each toast is a polite
 * status message, so a screen reader announces it without interrupting. Also keeps the cached
 * alert lists current (useLiveAlertLists), being the one alert component mounted everywhere.
 */
export function AlertToasts() {
  useLiveAlertLists();
  const [toasts, setToasts] = useState<AlertEventData[]>([]);
  const [paused, setPaused] = useState(false);
  /** The toast holding keyboard focus: new toasts never push it out (keepNewest). */
  const focusedId = useRef<number | null>(null);

  useLiveEvents((events) => {
    const opened = events
      .filter((event) => event.kind === "alert.opened")
      .map(alertFromEvent)
      .filter((alert) => alert !== null);
    if (opened.length === 0) return;
    setToasts((current) => {
      const fresh = opened.filter((alert) => !current.some((t) => t.id === alert.id));
      return keepNewest([...current, ...fresh], MAX_TOASTS, focusedId.current);
    });
  });

  const dismiss = useCallback((id: number) => {
    // Dismissed from the keyboard, the toast takes the focused control with it, and no blur
    // follows: the others would stay paused for good.
    if (focusedId.current === id) {
      focusedId.current = null;
      setPaused(false);
    }
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  if (toasts.length === 0) return null;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: pausing while focused is a courtesy; the toasts' own controls are buttons and links
    <div
      className="fixed right-4 bottom-4 z-50 flex w-80 max-w-[calc(100vw-2rem)] flex-col gap-2"
      onFocus={(event) => {
        setPaused(true);
        const toast = (event.target as Element).closest("[data-alert-id]");
        focusedId.current = toast ? Number(toast.getAttribute("data-alert-id")) : null;
      }}
      onBlur={() => {
        setPaused(false);
        focusedId.current = null;
      }}
    >
      {toasts.map((toast) => (
        <AlertToast key={toast.id} alert={toast} paused={paused} onDismiss={dismiss} />
      ))}
    </div>
  );
}

function AlertToast({
  alert,
  paused,
  onDismiss,
}: {
  alert: AlertEventData;
  paused: boolean;
  onDismiss: (id: number) => void;
}) {
  // Time left survives pauses: focusing restarts nothing, it only stops the clock.
  const left = useRef(TOAST_MS);
  useEffect(() => {
    if (paused) return;
    const started = Date.now();
    const timer = setTimeout(() => onDismiss(alert.id), left.current);
    return () => {
      clearTimeout(timer);
      left.current -= Date.now() - started;
    };
  }, [paused, alert.id, onDismiss]);

  return (
    <div
      role="status"
      data-testid="alert-toast"
      data-alert-id={alert.id}
      className="rounded border border-ink-muted/30 bg-surface-raised p-3 text-sm shadow-lg"
    >
      <div className="flex items-start justify-between gap-2">
        <p className="font-semibold">
          <SeverityBadge severity={alert.severity} /> alert opened
        </p>
        <button
          type="button"
          onClick={() => onDismiss(alert.id)}
          aria-label={`Dismiss alert ${alert.id} notification`}
          className="rounded px-1 text-ink-muted hover:bg-ink/5"
        >
          <span aria-hidden="true">✕</span>
        </button>
      </div>
      <p className="mt-1">{alert.message}</p>
      <Link href="/alerts" className="mt-1 inline-block text-accent underline">
        View alerts
      </Link>
    </div>
  );
}
