"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import type { ScheduleDetail } from "@/lib/schedules/form-values";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

const button =
  "rounded border border-ink-muted/40 px-2 py-1 text-sm hover:bg-ink/5 disabled:opacity-60";

/**
 * Pause or resume, run now, edit and delete (after a confirmation), for those who manage the
 * schedule. Each answer refetches the list at once; the events that follow keep it current.
 */
export function ScheduleActions({
  schedule,
  onEdit,
}: {
  schedule: ScheduleDetail;
  onEdit: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const [confirming, setConfirming] = useState(false);
  const refetch = () => void queryClient.invalidateQueries(trpc.schedules.list.pathFilter());
  const pause = useMutation(trpc.schedules.pause.mutationOptions({ onSuccess: refetch }));
  const resume = useMutation(trpc.schedules.resume.mutationOptions({ onSuccess: refetch }));
  const trigger = useMutation(trpc.schedules.trigger.mutationOptions({ onSuccess: refetch }));
  const remove = useMutation(trpc.schedules.delete.mutationOptions({ onSuccess: refetch }));
  const busy =
    !hydrated || pause.isPending || resume.isPending || trigger.isPending || remove.isPending;
  const error = pause.error ?? resume.error ?? trigger.error ?? remove.error;
  const id = { id: schedule.id };
  const name = schedule.name;

  return (
    <div className="flex flex-col items-start gap-1" data-testid="schedule-actions">
      <div className="flex flex-wrap gap-2">
        {schedule.paused ? (
          <button
            type="button"
            className={button}
            disabled={busy}
            aria-label={`Resume ${name}`}
            onClick={() => resume.mutate(id)}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className={button}
            disabled={busy}
            aria-label={`Pause ${name}`}
            onClick={() => pause.mutate(id)}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          className={button}
          disabled={busy}
          aria-label={`Run ${name} now`}
          onClick={() => trigger.mutate(id)}
        >
          Run now
        </button>
        <button
          type="button"
          className={button}
          disabled={busy}
          aria-label={`Edit ${name}`}
          onClick={onEdit}
        >
          Edit
        </button>
        <button
          type="button"
          className={`${button} text-danger`}
          disabled={busy || confirming}
          aria-label={`Delete ${name}`}
          onClick={() => setConfirming(true)}
        >
          Delete
        </button>
      </div>
      {confirming && (
        <div
          role="alertdialog"
          aria-labelledby={`delete-${schedule.id}`}
          className="flex flex-wrap items-center gap-2 rounded border border-danger/40 p-2 text-sm"
        >
          <p id={`delete-${schedule.id}`}>
            Delete schedule {name}? Its past runs stay; no further fire happens.
          </p>
          <button
            type="button"
            className={`${button} text-danger`}
            disabled={busy}
            onClick={() => remove.mutate(id)}
          >
            Yes, delete
          </button>
          <button type="button" className={button} onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
      {trigger.isSuccess && (
        <p role="status" className="text-sm text-ink-muted">
          Fired: a run was submitted.
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-danger">
          {errorMessage(error)}
        </p>
      )}
    </div>
  );
}
