"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useThrottledInvalidate } from "@/lib/hooks/use-throttled-invalidate";
import { useLiveEvents } from "@/lib/live/live-events";
import { TASK_STATES } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";
import type { ActiveWorkflow } from "@/server/tasks/active-workflows";
import { MAX_NODES, MiniDag } from "./mini-dag";
import { TASK_STATUS } from "./task-status";
import { applyTaskEvents } from "./workflow-events";

/** Graphs on the wall at once. */
export const MAX_WORKFLOWS = 6;

const LIVE_STATES = new Set<string>(["blocked", "waiting", "queued", "running"]);

/**
 * The active workflows as small live graphs. Task events move the nodes and counts of the
 * workflows on screen directly; which workflows are on screen (one submitted, one finished)
 * is refetched, throttled, since events cannot say what the next one in line is.
 */
export function WorkflowGraphs({ columns }: { columns: 2 | 3 }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const input = { limit: MAX_WORKFLOWS, tasksPerWorkflow: MAX_NODES };
  const key = trpc.workflows.active.queryKey(input);
  const active = useQuery(trpc.workflows.active.queryOptions(input));
  const reselect = useThrottledInvalidate(trpc.workflows.active.pathFilter(), 5_000);

  useLiveEvents((events) => {
    const shown = queryClient.getQueryData(key);
    if (!shown) return;
    const onScreen = new Set(shown.map((workflow) => workflow.id));
    let changed = false;
    let membership = false;
    for (const event of events) {
      if (event.kind === "workflow.submitted") membership = true;
      if (!event.kind.startsWith("task.") || !event.workflowId) continue;
      if (!onScreen.has(event.workflowId)) {
        // Work for a workflow not shown: it may now deserve a place (or be new).
        if (event.toState && LIVE_STATES.has(event.toState)) membership = true;
        continue;
      }
      changed = true;
    }
    if (changed) {
      queryClient.setQueryData(key, (workflows) =>
        workflows?.map((workflow) => {
          const mine = events.filter((event) => event.workflowId === workflow.id);
          if (mine.length === 0) return workflow;
          const next = applyTaskEvents(workflow, mine);
          if (liveCount(next) === 0) membership = true;
          return next;
        }),
      );
    }
    if (membership) reselect();
  });

  const workflows = active.data ?? [];
  return (
    <section
      aria-labelledby="wall-workflows-title"
      data-testid="wall-panel-workflows"
      className="flex min-h-0 flex-col gap-[0.5em] overflow-hidden rounded-[0.6em] bg-surface-raised p-[0.8em]"
    >
      <div className="flex flex-wrap items-baseline gap-x-[1em]">
        <h2 id="wall-workflows-title" className="text-[1.1em] font-semibold">
          Active workflows
        </h2>
        <ul className="flex flex-wrap gap-x-[0.8em] text-[0.75em]" aria-label="Legend">
          {TASK_STATES.map((state) => (
            <li key={state} className={TASK_STATUS[state].text}>
              <span aria-hidden="true">{TASK_STATUS[state].icon}</span> {TASK_STATUS[state].label}
            </li>
          ))}
        </ul>
      </div>
      {active.data && workflows.length === 0 ? (
        <IdleState />
      ) : (
        <ul
          className={`grid min-h-0 flex-1 auto-rows-fr gap-[0.5em] ${columns === 2 ? "grid-cols-2" : "grid-cols-3"}`}
        >
          {workflows.map((workflow) => (
            <WorkflowCard key={workflow.id} workflow={workflow} />
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * No workflow has work left: a calm, centred "idle" rather than an empty panel, so a room can
 * tell a quiet fleet from a broken screen (the header still says whether it is live).
 */
function IdleState() {
  return (
    <div
      data-testid="wall-idle"
      className="flex flex-1 flex-col items-center justify-center gap-[0.3em] text-center"
    >
      <p className="text-[2.2em] font-semibold text-emerald-300">
        <span aria-hidden="true">☾</span> Idle
      </p>
      <p className="text-ink-muted">Nothing is running or waiting.</p>
      <p className="text-[0.8em] text-ink-muted">Workflows show up here as they are submitted.</p>
    </div>
  );
}

function WorkflowCard({ workflow }: { workflow: ActiveWorkflow }) {
  const finished =
    (workflow.counts.succeeded ?? 0) +
    (workflow.counts.failed ?? 0) +
    (workflow.counts.cancelled ?? 0);
  const hidden = workflow.taskCount - Math.min(workflow.tasks.length, MAX_NODES);
  const counts = TASK_STATES.filter((state) => (workflow.counts[state] ?? 0) > 0);
  return (
    <li
      data-testid="wall-workflow"
      data-workflow-id={workflow.id}
      className="flex min-h-0 min-w-0 flex-col rounded-[0.4em] border border-slate-700 p-[0.4em]"
    >
      <div className="flex items-baseline gap-[0.4em]">
        <h3 className="min-w-0 flex-1 truncate text-[0.9em] font-medium">{workflow.name}</h3>
        <span className="shrink-0 text-[0.75em] tabular-nums text-ink-muted">
          {finished} / {workflow.taskCount} done
        </span>
      </div>
      <div className="min-h-0 flex-1">
        <MiniDag workflow={workflow} />
      </div>
      <p className="truncate text-[0.7em]">
        {counts.map((state) => (
          <span key={state} className={`mr-[0.6em] ${TASK_STATUS[state].text}`}>
            <span aria-hidden="true">{TASK_STATUS[state].icon}</span> {workflow.counts[state]}{" "}
            {TASK_STATUS[state].label}
          </span>
        ))}
        {hidden > 0 ? <span className="text-ink-muted">+{hidden} more</span> : null}
      </p>
    </li>
  );
}

function liveCount(workflow: ActiveWorkflow): number {
  return (
    (workflow.counts.blocked ?? 0) +
    (workflow.counts.waiting ?? 0) +
    (workflow.counts.queued ?? 0) +
    (workflow.counts.running ?? 0)
  );
}
