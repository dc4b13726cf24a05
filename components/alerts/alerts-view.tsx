"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { AlertsGuide } from "@/components/guide/alerts-guide";
import type { AlertListFilter } from "@/lib/alerts/alert-cache";
import { usePermissions } from "@/lib/auth/role";
import { useTRPC } from "@/lib/trpc/client";
import type { RuleGuide } from "@/server/monitor/rule-guide";
import { AlertsTable } from "./alerts-table";
import { ALERT_PAGE_SIZE, alertListInput, useApplyAlerts } from "./use-alert-lists";

const FILTER_LABELS: Record<AlertListFilter, string> = { firing: "Open", all: "All" };

/** The alerts page: open (firing) or all alerts, newest first, kept live by alert.* events. */
export function AlertsView({ rules }: { rules: RuleGuide[] }) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<AlertListFilter>("firing");
  const apply = useApplyAlerts();
  const { operate } = usePermissions();
  const alerts = useQuery(trpc.alerts.list.queryOptions(alertListInput(filter)));

  return (
    <div className="flex flex-col gap-4">
      <fieldset className="flex flex-wrap items-center gap-2">
        <legend className="sr-only">Show</legend>
        {(Object.keys(FILTER_LABELS) as AlertListFilter[]).map((value) => (
          <label
            key={value}
            className={`cursor-pointer rounded border px-3 py-1 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent ${
              filter === value
                ? "border-accent bg-accent/10 font-semibold text-accent"
                : "border-ink-muted/40"
            }`}
          >
            <input
              type="radio"
              name="alert-filter"
              value={value}
              checked={filter === value}
              onChange={() => setFilter(value)}
              className="sr-only"
            />
            {FILTER_LABELS[value]}
          </label>
        ))}
      </fieldset>
      {alerts.isPending ? (
        <p className="text-ink-muted">Loading alerts…</p>
      ) : alerts.isError ? (
        <p role="alert" className="text-danger">
          Could not load alerts: {alerts.error.message}
        </p>
      ) : alerts.data.items.length === 0 ? (
        <div data-testid="alerts-empty">
          <AlertsGuide rules={rules} filter={filter} />
        </div>
      ) : (
        <>
          <AlertsTable
            alerts={alerts.data.items}
            caption={filter === "firing" ? "Open alerts" : "All alerts"}
            onChanged={operate ? (alert) => apply([alert]) : null}
          />
          {alerts.data.nextCursor !== null && (
            <p className="text-sm text-ink-muted">Showing the newest {ALERT_PAGE_SIZE}.</p>
          )}
        </>
      )}
    </div>
  );
}
