"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { usePermissions } from "@/lib/auth/role";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import type { WorkflowState } from "@/server/workflows/state";

const button =
  "rounded border border-ink-muted/40 px-2 py-1 text-sm font-medium hover:bg-ink/5 disabled:opacity-60";

/**
 * Cancel (with a reason), retry failed, pause and resume, for the roles that may operate on a
 * run: orchestrators on their own runs, operators and admins on any. Whether this orchestrator
 * submitted this run is the server's call: a refusal is shown as the server words it. The
 * caller's own action refreshes the run at once rather than wait for its event.
 */
export function RunActions({
  run,
}: {
  run: { id: string; name: string; state: WorkflowState; counts: { failed: number } };
}) {
  const { submit } = usePermissions();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const reasonId = useId();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (text: string) => () => {
    setError(null);
    setNotice(text);
    for (const queryKey of [
      trpc.workflows.run.queryKey({ id: run.id }),
      trpc.workflows.timeline.queryKey({ id: run.id }),
      trpc.workflows.get.queryKey({ id: run.id }),
    ]) {
      void queryClient.invalidateQueries({ queryKey });
    }
  };
  const failed = (e: unknown) => {
    setNotice(null);
    setError(errorMessage(e));
  };
  const cancel = useMutation(
    trpc.workflows.cancel.mutationOptions({ onSuccess: done("Run cancelled."), onError: failed }),
  );
  const retry = useMutation(
    trpc.workflows.retry.mutationOptions({
      onSuccess: done("Failed tasks queued again."),
      onError: failed,
    }),
  );
  const pause = useMutation(
    trpc.workflows.pause.mutationOptions({ onSuccess: done("Run paused."), onError: failed }),
  );
  const resume = useMutation(
    trpc.workflows.resume.mutationOptions({ onSuccess: done("Run resumed."), onError: failed }),
  );
  if (!submit) return null;

  const unfinished = run.state === "running" || run.state === "paused";
  // Disabled until hydrated: a click on server-rendered HTML would be lost.
  const busy =
    !hydrated || cancel.isPending || retry.isPending || pause.isPending || resume.isPending;

  return (
    <div className="flex flex-col gap-2" data-testid="run-actions">
      <div className="flex flex-wrap items-end gap-2">
        {run.state === "running" && (
          <button
            type="button"
            className={button}
            disabled={busy}
            onClick={() => pause.mutate({ id: run.id })}
          >
            Pause
          </button>
        )}
        {run.state === "paused" && (
          <button
            type="button"
            className={button}
            disabled={busy}
            onClick={() => resume.mutate({ id: run.id })}
          >
            Resume
          </button>
        )}
        {run.counts.failed > 0 && (
          <button
            type="button"
            className={button}
            disabled={busy}
            onClick={() => retry.mutate({ id: run.id })}
          >
            Retry failed
          </button>
        )}
        {unfinished && (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(event) => {
              event.preventDefault();
              const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
              cancel.mutate({ id: run.id, ...(reason ? { reason } : {}) });
            }}
          >
            <div className="flex flex-col gap-0.5">
              <label htmlFor={reasonId} className="text-xs text-ink-muted">
                Reason for cancelling
              </label>
              <input
                id={reasonId}
                name="reason"
                maxLength={500}
                placeholder="workflow cancelled by request"
                className="w-64 rounded border border-ink-muted/40 bg-surface-raised px-2 py-1 text-sm"
              />
            </div>
            <button type="submit" className={button} disabled={busy}>
              Cancel run
            </button>
          </form>
        )}
      </div>
      {notice && (
        <p role="status" className="text-sm" data-testid="run-action-result">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-danger" data-testid="run-action-error">
          {error}
        </p>
      )}
    </div>
  );
}
