"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { type BulkOutcome, runBulk } from "@/lib/board/bulk";
import { type SelectedTask, useSelection } from "@/lib/board/selection";
import { useTRPC, useTRPCClient } from "@/lib/trpc/client";

const button =
  "rounded border border-ink-muted/40 px-2 py-1 text-sm font-medium hover:bg-ink/5 disabled:opacity-60";

type Verb = "Cancelled" | "Retried" | "Reprioritised";

/**
 * Cancel, retry or set the priority of every selected card at once (operators only: the
 * board renders it for them alone). Each task is its own call, so the server checks each; the
 * ones it refuses are listed with its reason, and stay selected for another try.
 */
export function BulkBar() {
  const selection = useSelection();
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const priorityId = useId();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<(BulkOutcome & { verb: Verb }) | null>(null);
  if (!selection) return null;
  const tasks = [...selection.selected.values()];

  const run = async (verb: Verb, call: (task: SelectedTask) => Promise<unknown>) => {
    setBusy(true);
    try {
      const outcome = await runBulk(tasks, call);
      setReport({ ...outcome, verb });
      const refused = new Set(outcome.refused.map((r) => r.id));
      for (const task of tasks) if (!refused.has(task.id)) selection.toggle(task, false);
      void queryClient.invalidateQueries(trpc.tasks.list.pathFilter());
      void queryClient.invalidateQueries(trpc.tasks.counts.pathFilter());
    } finally {
      setBusy(false);
    }
  };

  if (tasks.length === 0 && !report) return null;
  return (
    <section
      aria-label="Selected tasks"
      data-testid="bulk-bar"
      className="flex flex-col gap-2 rounded-lg border border-accent/40 bg-surface-raised p-2"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span data-testid="bulk-count" className="text-sm font-medium tabular-nums">
          {tasks.length} selected
        </span>
        <button
          type="button"
          className={button}
          disabled={busy || tasks.length === 0}
          onClick={() =>
            void run("Cancelled", (task) =>
              client.tasks.cancel.mutate({ id: task.id, reason: "cancelled by an operator" }),
            )
          }
        >
          Cancel selected
        </button>
        <button
          type="button"
          className={button}
          disabled={busy || tasks.length === 0}
          onClick={() => void run("Retried", (task) => client.tasks.retry.mutate({ id: task.id }))}
        >
          Retry selected
        </button>
        <form
          className="flex items-center gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            const priority = Number(new FormData(event.currentTarget).get("priority"));
            void run("Reprioritised", (task) =>
              client.tasks.setPriority.mutate({ id: task.id, priority }),
            );
          }}
        >
          <label htmlFor={priorityId} className="text-sm">
            Priority
          </label>
          <input
            id={priorityId}
            name="priority"
            type="number"
            step={1}
            min={-1_000_000}
            max={1_000_000}
            required
            defaultValue={0}
            className="w-20 rounded border border-ink-muted/40 bg-surface px-1 py-0.5 text-sm"
          />
          <button type="submit" className={button} disabled={busy || tasks.length === 0}>
            Set priority
          </button>
        </form>
        <button
          type="button"
          className={button}
          disabled={busy}
          onClick={() => {
            selection.clear();
            setReport(null);
          }}
        >
          Clear selection
        </button>
      </div>
      {report && (
        <div data-testid="bulk-report" role="status" className="text-sm">
          <p>
            {report.verb} {report.done} of {report.done + report.refused.length}.
          </p>
          {report.refused.length > 0 && (
            <ul className="list-disc pl-5 text-danger">
              {report.refused.map((refusal) => (
                <li key={refusal.id}>
                  {refusal.name}: {refusal.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
