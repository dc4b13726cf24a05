"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { usePermissions } from "@/lib/auth/role";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import type { RunSummary } from "@/lib/runs/types";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

const button =
  "rounded border border-ink-muted/40 px-2 py-0.5 text-xs font-medium hover:bg-ink/5 disabled:opacity-60";

/**
 * Cancel, retry failed, pause and resume for operators and admins; nothing for anyone else
 * (the server refuses them whatever the page shows). Only what the run's state allows is
 * offered. The operator's own action refreshes the runs at once rather than waiting on the
 * stream; a refusal is shown as the server words it.
 */
export function RunActions({ run }: { run: Pick<RunSummary, "id" | "name" | "state" | "counts"> }) {
  const { operate } = usePermissions();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const [error, setError] = useState<string | null>(null);
  const options = {
    onError: (e: unknown) => setError(errorMessage(e)),
    onSuccess: () => {
      setError(null);
      void queryClient.invalidateQueries(trpc.workflows.list.pathFilter());
      void queryClient.invalidateQueries(trpc.workflows.run.queryFilter({ id: run.id }));
    },
  };
  const cancel = useMutation(trpc.workflows.cancel.mutationOptions(options));
  const retry = useMutation(trpc.workflows.retry.mutationOptions(options));
  const pause = useMutation(trpc.workflows.pause.mutationOptions(options));
  const resume = useMutation(trpc.workflows.resume.mutationOptions(options));
  if (!operate) return null;

  const unfinished = run.state === "running" || run.state === "paused";
  // Disabled until hydrated: a click on server-rendered HTML would be lost.
  const busy =
    !hydrated || cancel.isPending || retry.isPending || pause.isPending || resume.isPending;
  const action = (label: string, verb: string, onClick: () => void) => (
    <button
      type="button"
      className={button}
      disabled={busy}
      aria-label={`${verb} ${run.name}`}
      onClick={onClick}
    >
      {label}
    </button>
  );
  return (
    <div className="flex flex-col gap-1" data-testid="run-actions">
      <div className="flex flex-wrap gap-1">
        {run.state === "running" && action("Pause", "Pause", () => pause.mutate({ id: run.id }))}
        {run.state === "paused" && action("Resume", "Resume", () => resume.mutate({ id: run.id }))}
        {run.counts.failed > 0 &&
          action("Retry failed", "Retry failed tasks of", () => retry.mutate({ id: run.id }))}
        {unfinished &&
          action("Cancel", "Cancel", () =>
            cancel.mutate({ id: run.id, reason: "workflow cancelled by an operator" }),
          )}
      </div>
      {error && (
        <p role="alert" className="text-xs text-danger">
          {error}
        </p>
      )}
    </div>
  );
}
