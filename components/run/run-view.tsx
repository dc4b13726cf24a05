"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { WorkflowGraphSection } from "@/components/graph/workflow-graph-section";
import { useRunLive } from "@/lib/run/use-run-live";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage, isNotFound } from "@/lib/trpc/errors";
import { RunEvents } from "./run-events";
import { RunHeader } from "./run-header";
import { RunTasksTable } from "./run-tasks-table";
import { RunTimeline } from "./run-timeline";

export const RUN_TABS = [
  { id: "timeline", label: "Timeline" },
  { id: "graph", label: "Graph" },
  { id: "tasks", label: "Tasks" },
  { id: "events", label: "Events" },
] as const;

export type RunTab = (typeof RUN_TABS)[number]["id"];

/** `?tab=` as one of the sections; anything else is the timeline, so old links never break. */
export function runTabOf(value: string | null): RunTab {
  return RUN_TABS.find((tab) => tab.id === value)?.id ?? "timeline";
}

/**
 * A workflow run: its header, then one section at a time, chosen in the URL (`?tab=graph`) so
 * that a view can be linked. Kept current by the one shared event stream.
 */
export function RunView({ id }: { id: string }) {
  const trpc = useTRPC();
  const run = useQuery(trpc.workflows.run.queryOptions({ id }));
  const tab = runTabOf(useSearchParams().get("tab"));
  useRunLive(id);

  if (run.isError) {
    return (
      <section className="flex flex-col gap-2">
        <h1 className="text-2xl font-semibold">
          {isNotFound(run.error) ? "Workflow not found" : "Could not load the workflow"}
        </h1>
        <p role="alert">{errorMessage(run.error)}</p>
        <Link href="/workflows" className="text-accent underline">
          Back to the workflows
        </Link>
      </section>
    );
  }
  if (!run.data) {
    return (
      <section>
        <h1 className="text-2xl font-semibold">Workflow run</h1>
        <p className="text-ink-muted">Loading…</p>
      </section>
    );
  }
  const label = RUN_TABS.find((candidate) => candidate.id === tab)?.label ?? "Timeline";
  return (
    <article className="flex flex-col gap-6" data-testid="run-page" data-state={run.data.state}>
      <RunHeader run={run.data} />
      <nav aria-label="Run sections">
        <ul className="flex gap-1 border-b border-ink-muted/20">
          {RUN_TABS.map((candidate) => (
            <li key={candidate.id}>
              <Link
                href={`/workflows/${id}?tab=${candidate.id}`}
                replace
                scroll={false}
                aria-current={candidate.id === tab ? "page" : undefined}
                className={`-mb-px inline-block border-b-2 px-3 py-1.5 text-sm font-medium ${candidate.id === tab ? "border-accent" : "border-transparent text-ink-muted hover:text-ink"}`}
              >
                {candidate.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section aria-labelledby="run-section-heading" className="flex flex-col gap-3">
        <h2 id="run-section-heading" className="text-lg font-semibold">
          {label}
        </h2>
        {tab === "timeline" && <RunTimeline workflowId={id} />}
        {tab === "graph" && <WorkflowGraphSection workflowId={id} />}
        {tab === "tasks" && <RunTasksTable workflowId={id} />}
        {tab === "events" && <RunEvents workflowId={id} />}
      </section>
    </article>
  );
}
