"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import {
  type AlertEventData,
  type AlertItem,
  type AlertListFilter,
  alertFromEvent,
  applyAlerts,
} from "@/lib/alerts/alert-cache";
import { useLiveEvents } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";

/** The one page of alerts the alerts page shows. */
export const ALERT_PAGE_SIZE = 100;

export function alertListInput(filter: AlertListFilter) {
  return filter === "firing"
    ? { state: "firing" as const, limit: ALERT_PAGE_SIZE }
    : { limit: ALERT_PAGE_SIZE };
}

const FILTERS: readonly AlertListFilter[] = ["firing", "all"];

/**
 * Applies newer versions of alerts to both cached lists (open and all) in place, so the page
 * never refetches a list for a change it was told of: mutation answers and alert.* events.
 */
export function useApplyAlerts(): (changes: readonly (AlertEventData | AlertItem)[]) => void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const apply = useCallback(
    (changes: readonly (AlertEventData | AlertItem)[]) => {
      for (const filter of FILTERS) {
        queryClient.setQueryData(trpc.alerts.list.queryKey(alertListInput(filter)), (list) =>
          applyAlerts(list, changes, filter),
        );
      }
    },
    [queryClient, trpc],
  );
  return apply;
}

/**
 * Applies every alert.* event to the cached lists. Mounted once for the whole app (by the
 * toasts, which live in the layout), so the lists stay current while another page is open.
 */
export function useLiveAlertLists(): void {
  const apply = useApplyAlerts();
  useLiveEvents((events) => {
    const changes = events.map(alertFromEvent).filter((alert) => alert !== null);
    if (changes.length > 0) apply(changes);
  });
}
