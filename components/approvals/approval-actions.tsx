"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useHydrated } from "@/lib/hooks/use-hydrated";
import { useTRPC } from "@/lib/trpc/client";

/**
 * Approve (an optional comment becomes part of the task's result) or reject (a reason, kept
 * in its error) through `tasks.signal`. A decision someone else made first comes back as a
 * CONFLICT saying so; the list refreshes either way.
 */
export function ApprovalActions({ taskId, name }: { taskId: string; name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const [comment, setComment] = useState("");
  const [reason, setReason] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const ids = { comment: useId(), reason: useId() };
  const signal = useMutation(
    trpc.tasks.signal.mutationOptions({
      onSettled: () => void queryClient.invalidateQueries(trpc.approvals.pathFilter()),
    }),
  );
  const busy = !hydrated || signal.isPending;

  const approve = () => {
    const note = comment.trim();
    signal.mutate({
      taskId,
      signal: "approval",
      outcome: "succeed",
      payload: note ? { approved: true, comment: note } : { approved: true },
    });
  };
  const reject = () => {
    signal.mutate({ taskId, signal: "approval", outcome: "fail", reason: reason.trim() });
  };

  return (
    <div className="flex flex-col gap-2" data-testid="approval-actions">
      {!rejecting ? (
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            approve();
          }}
        >
          <label htmlFor={ids.comment} className="text-sm">
            Comment (optional, kept in the result)
          </label>
          <textarea
            id={ids.comment}
            value={comment}
            maxLength={2000}
            onChange={(e) => setComment(e.target.value)}
            className="rounded border border-ink-muted/40 bg-surface p-2 text-sm"
            rows={2}
          />
          <div className="flex flex-wrap gap-2">
            <button
              type="submit"
              disabled={busy}
              aria-label={`Approve ${name}`}
              className="rounded bg-accent px-3 py-1 text-sm font-semibold text-white hover:opacity-90 disabled:opacity-60 dark:text-slate-950"
            >
              Approve
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => setRejecting(true)}
              aria-label={`Reject ${name}…`}
              className="rounded border border-ink-muted/40 px-3 py-1 text-sm hover:bg-ink/5 disabled:opacity-60"
            >
              Reject…
            </button>
          </div>
        </form>
      ) : (
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) reject();
          }}
        >
          <label htmlFor={ids.reason} className="text-sm">
            Reason (required, kept in the error)
          </label>
          <textarea
            id={ids.reason}
            value={reason}
            required
            maxLength={2000}
            onChange={(e) => setReason(e.target.value)}
            className="rounded border border-ink-muted/40 bg-surface p-2 text-sm"
            rows={2}
          />
          <div className="flex flex-wrap gap-2">
            <button
              type="submit"
              disabled={busy || !reason.trim()}
              aria-label={`Reject ${name}`}
              className="rounded bg-danger px-3 py-1 text-sm font-semibold text-white hover:opacity-90 disabled:opacity-60 dark:text-slate-950"
            >
              Reject
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => setRejecting(false)}
              className="rounded border border-ink-muted/40 px-3 py-1 text-sm hover:bg-ink/5"
            >
              Back
            </button>
          </div>
        </form>
      )}
      {signal.error && (
        <p role="alert" className="text-sm text-danger">
          {signal.error.message}
        </p>
      )}
    </div>
  );
}
