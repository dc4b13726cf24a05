"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { applyWorkflowEvents } from "@/lib/graph/apply-events";
import { prepareLayoutWorker } from "@/lib/graph/layout-client";
import { STATUS_STYLES } from "@/lib/graph/status";
import { useLiveEvents } from "@/lib/live/live-events";
import { TASK_STATES } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";
import { GraphLegend } from "./graph-legend";
import { WorkflowGraph } from "./workflow-graph";

/**
 * A workflow's dependency graph, live: the run page's Graph section (components/run). Events
 * patch the cached workflow in place; the legend explains the node styles.
 */
export function WorkflowGraphSection({ workflowId }: { workflowId: string }) {
  return (
    <div className="flex flex-col gap-4">
      <LiveWorkflowGraph workflowId={workflowId} />
      <GraphLegend />
    </div>
  );
}

function LiveWorkflowGraph({ workflowId }: { workflowId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const queryKey = trpc.workflows.get.queryKey({ id: workflowId });
  const workflow = useQuery(trpc.workflows.get.queryOptions({ id: workflowId }));
  const [collapse, setCollapse] = useState(false);
  const collapseId = useId();
  useEffect(prepareLayoutWorker, []);

  // Events patch the cached workflow in place: a node changes state without a refetch, and
  // the layout (keyed by structure) stays as it is.
  useLiveEvents((events) => {
    if (!events.some((event) => event.workflowId === workflowId)) return;
    let stale = false;
    queryClient.setQueryData(queryKey, (cached) => {
      if (!cached) return cached;
      const applied = applyWorkflowEvents(cached, events);
      stale = applied.stale;
      return applied.workflow;
    });
    if (stale) void queryClient.invalidateQueries({ queryKey });
  });

  if (workflow.isPending) return <p role="status">Loading the workflow…</p>;
  if (workflow.isError) {
    return (
      <p role="alert" className="text-danger">
        {workflow.error.data?.code === "NOT_FOUND"
          ? "No workflow has this id."
          : `The workflow could not be loaded: ${workflow.error.message}`}
      </p>
    );
  }
  const data = workflow.data;
  const counts = new Map<string, number>();
  for (const task of data.tasks) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);

  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h2 className="text-lg font-semibold" data-testid="graph-workflow-name">
          {data.name}
        </h2>
        <ul className="flex flex-wrap gap-3 text-sm" aria-label="Tasks by state">
          {TASK_STATES.filter((state) => counts.has(state)).map((state) => (
            <li key={state} data-testid={`graph-count-${state}`}>
              <span aria-hidden="true">{STATUS_STYLES[state].icon}</span>{" "}
              {STATUS_STYLES[state].label}: {counts.get(state)}
            </li>
          ))}
        </ul>
        <div className="flex items-center gap-2 text-sm">
          <input
            id={collapseId}
            type="checkbox"
            checked={collapse}
            onChange={(event) => setCollapse(event.target.checked)}
            data-testid="collapse-finished"
          />
          <label htmlFor={collapseId}>Collapse finished branches</label>
        </div>
      </div>
      <WorkflowGraph
        workflow={data}
        collapseFinished={collapse}
        label={`Dependency graph of ${data.name}`}
      />
    </div>
  );
}
