"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { usePermissions } from "@/lib/auth/role";
import type { BoardTask } from "@/lib/board/types";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

const button =
  "rounded border border-ink-muted/40 px-2 py-0.5 text-xs font-medium hover:bg-ink/5 disabled:opacity-60";

/**
 * Cancel, retry and priority for operators; nothing at all for anyone else. Only the actions
 * the task's state allows are offered. The outcome also arrives as a live event, but the
 * operator's own action refreshes the task's views at once: it must not wait on a stream that
 * may be reconnecting. A refusal (say the task started meanwhile) is shown as the server
 * words it.
 */
export function TaskActions({
  task,
}: {
  task: Pick<BoardTask, "id" | "name" | "state" | "priority">;
}) {
  const { operate } = usePermissions();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const priorityId = useId();
  const hydrated = useHydrated();
  const options = {
    onError: (e: unknown) => setError(errorMessage(e)),
    onSuccess: () => {
      setError(null);
      for (const filter of [
        trpc.tasks.get.queryFilter({ id: task.id }),
        trpc.tasks.list.pathFilter(),
        trpc.tasks.counts.pathFilter(),
      ]) {
        void queryClient.invalidateQueries(filter);
      }
    },
  };
  const cancel = useMutation(trpc.tasks.cancel.mutationOptions(options));
  const retry = useMutation(trpc.tasks.retry.mutationOptions(options));
  const setPriority = useMutation(trpc.tasks.setPriority.mutationOptions(options));
  if (!operate) return null;

  const canCancel =
    task.state === "blocked" ||
    task.state === "waiting" ||
    task.state === "queued" ||
    task.state === "running";
  const canRetry = task.state === "failed" || task.state === "cancelled";
  const canReprioritise =
    task.state === "blocked" || task.state === "waiting" || task.state === "queued";
  if (!canCancel && !canRetry && !canReprioritise) return null;
  // Disabled until hydrated: a click on server-rendered HTML would be lost.
  const busy = !hydrated || cancel.isPending || retry.isPending || setPriority.isPending;

  return (
    <div className="flex flex-col gap-1" data-testid="task-actions">
      <div className="flex flex-wrap items-center gap-1">
        {canCancel && (
          <button
            type="button"
            className={button}
            disabled={busy}
            aria-label={`Cancel ${task.name}`}
            onClick={() => cancel.mutate({ id: task.id, reason: "cancelled by an operator" })}
          >
            Cancel
          </button>
        )}
        {canRetry && (
          <button
            type="button"
            className={button}
            disabled={busy}
            aria-label={`Retry ${task.name}`}
            onClick={() => retry.mutate({ id: task.id })}
          >
            Retry
          </button>
        )}
        {canReprioritise && (
          <form
            // Reset to the task's priority whenever it changes (here or elsewhere).
            key={task.priority}
            className="flex items-center gap-1"
            onSubmit={(event) => {
              event.preventDefault();
              const value = new FormData(event.currentTarget).get("priority");
              setPriority.mutate({ id: task.id, priority: Number(value) });
            }}
          >
            <label htmlFor={priorityId} className="sr-only">
              Priority of {task.name}
            </label>
            <input
              id={priorityId}
              name="priority"
              type="number"
              step={1}
              required
              defaultValue={task.priority}
              className="w-16 rounded border border-ink-muted/40 bg-surface-raised px-1 py-0.5 text-xs"
            />
            <button
              type="submit"
              className={button}
              disabled={busy}
              aria-label={`Set priority of ${task.name}`}
            >
              Set
            </button>
          </form>
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
