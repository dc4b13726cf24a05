"use client";

import { useId } from "react";
import type { WorkflowState } from "@/lib/runs/states";
import { useRunActions } from "@/lib/runs/use-run-actions";

const BUTTON =
  "rounded border border-ink-muted/40 px-2 font-medium hover:bg-ink/5 disabled:opacity-60";
const LOOK = {
  row: { button: `${BUTTON} py-0.5 text-xs`, gap: "gap-1", text: "text-xs" },
  page: { button: `${BUTTON} py-1 text-sm`, gap: "gap-2", text: "text-sm" },
} as const;

/**
 * Cancel, retry failed, pause and resume, only what the run's state allows. `row` is the runs
 * list's compact form: each button names its run (a table holds many), cancelling takes the
 * server's default reason, and only a refusal is shown. `page` is the run page header's: the
 * cancel asks for a reason and the outcome of every action is shown.
 */
export function RunActions({
  run,
  layout,
}: {
  run: { id: string; name: string; state: WorkflowState; counts: { failed: number } };
  layout: "row" | "page";
}) {
  const actions = useRunActions(run.id);
  const reasonId = useId();
  if (!actions.permitted) return null;

  const look = LOOK[layout];
  const unfinished = run.state === "running" || run.state === "paused";
  const action = (label: string, verb: string, onClick: () => void) => (
    <button
      type="button"
      className={look.button}
      disabled={actions.busy}
      aria-label={layout === "row" ? `${verb} ${run.name}` : undefined}
      onClick={onClick}
    >
      {label}
    </button>
  );
  return (
    <div className={`flex flex-col ${look.gap}`} data-testid="run-actions">
      <div className={`flex flex-wrap ${layout === "page" ? "items-end" : ""} ${look.gap}`}>
        {run.state === "running" && action("Pause", "Pause", actions.pause)}
        {run.state === "paused" && action("Resume", "Resume", actions.resume)}
        {run.counts.failed > 0 && action("Retry failed", "Retry failed tasks of", actions.retry)}
        {unfinished && layout === "row" && action("Cancel", "Cancel", () => actions.cancel())}
        {unfinished && layout === "page" && (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(event) => {
              event.preventDefault();
              const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
              actions.cancel(reason);
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
            <button type="submit" className={look.button} disabled={actions.busy}>
              Cancel run
            </button>
          </form>
        )}
      </div>
      {layout === "page" && actions.notice && (
        <p role="status" className={look.text} data-testid="run-action-result">
          {actions.notice}
        </p>
      )}
      {actions.error && (
        <p role="alert" className={`${look.text} text-danger`} data-testid="run-action-error">
          {actions.error}
        </p>
      )}
    </div>
  );
}
