"use client";

import { useMutation } from "@tanstack/react-query";
import type { AlertItem } from "@/lib/alerts/alert-cache";
import { useTRPC } from "@/lib/trpc/client";

/**
 * Acknowledge ("seen, on it") and resolve, for operators. The answer goes straight into the
 * cached lists; the alert.* event that follows changes nothing more.
 */
export function AlertActions({
  alert,
  onChanged,
}: {
  alert: AlertItem;
  onChanged: (alert: AlertItem) => void;
}) {
  const trpc = useTRPC();
  const acknowledge = useMutation(
    trpc.alerts.acknowledge.mutationOptions({ onSuccess: onChanged }),
  );
  const resolve = useMutation(trpc.alerts.resolve.mutationOptions({ onSuccess: onChanged }));
  if (alert.state !== "firing") return null;
  const busy = acknowledge.isPending || resolve.isPending;
  const error = acknowledge.error ?? resolve.error;
  const label = `alert ${alert.id}`;
  return (
    <div className="flex flex-col items-start gap-1">
      <div className="flex flex-wrap gap-2">
        {alert.acknowledgedAt === null && (
          <button
            type="button"
            disabled={busy}
            aria-label={`Acknowledge ${label}`}
            onClick={() => acknowledge.mutate({ id: alert.id })}
            className="rounded border border-ink-muted/40 px-2 py-1 text-sm hover:bg-ink/5 disabled:opacity-60"
          >
            Acknowledge
          </button>
        )}
        <button
          type="button"
          disabled={busy}
          aria-label={`Resolve ${label}`}
          onClick={() => resolve.mutate({ id: alert.id })}
          className="rounded border border-ink-muted/40 px-2 py-1 text-sm hover:bg-ink/5 disabled:opacity-60"
        >
          Resolve
        </button>
      </div>
      {error && (
        <p role="alert" className="text-sm text-danger">
          {error.message}
        </p>
      )}
    </div>
  );
}
