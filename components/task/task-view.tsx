"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { useAgentNames } from "@/lib/agents/use-agent-names";
import { useTaskLive } from "@/lib/task/use-task-live";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage, isNotFound } from "@/lib/trpc/errors";
import { JsonBlock } from "./json-block";
import { ProgressBar } from "./progress-bar";
import { StateBadge } from "./state-badge";
import { TaskActions } from "./task-actions";
import { TaskExplain } from "./task-explain";
import { TaskFields } from "./task-fields";
import { TaskLinks } from "./task-links";
import { TaskLogPanel } from "./task-log-panel";
import { TaskTimeline } from "./task-timeline";

/** Everything about one task, kept current by the live stream. */
export function TaskView({ id }: { id: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.tasks.get.queryOptions({ id }));
  const agentNames = useAgentNames();
  const task = query.data;
  const related = useMemo(() => [...(task?.dependsOn ?? []), ...(task?.dependents ?? [])], [task]);
  useTaskLive(id, related);

  if (query.isError) {
    return (
      <section className="flex flex-col gap-2">
        <h1 className="text-2xl font-semibold">
          {isNotFound(query.error) ? "Task not found" : "Could not load the task"}
        </h1>
        <p role="alert">{errorMessage(query.error)}</p>
        <Link href="/" className="text-accent underline">
          Back to the board
        </Link>
      </section>
    );
  }
  if (!task) {
    return (
      <section>
        <h1 className="text-2xl font-semibold">Task</h1>
        <p className="text-ink-muted">Loading…</p>
      </section>
    );
  }

  return (
    <article className="flex flex-col gap-6" data-testid="task-page" data-state={task.state}>
      <header className="flex flex-col gap-2">
        <nav aria-label="Breadcrumb" className="text-sm">
          <Link href="/" className="text-accent underline">
            Board
          </Link>
        </nav>
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="min-w-0 break-words text-2xl font-semibold" data-testid="task-name">
            {task.name}
          </h1>
          <span data-testid="task-state">
            <StateBadge state={task.state} />
          </span>
        </div>
        <TaskActions task={task} />
        <div className="max-w-md">
          <ProgressBar
            label={`Progress of ${task.name}`}
            progress={task.progress}
            step={task.progressStep}
            message={task.progressMessage}
          />
        </div>
      </header>

      <TaskExplain id={id} state={task.state} />

      <section aria-labelledby="fields-heading" className="flex flex-col gap-2">
        <h2 id="fields-heading" className="text-lg font-semibold">
          Details
        </h2>
        <TaskFields task={task} agentNames={agentNames} />
      </section>

      <div className="grid gap-6 md:grid-cols-2">
        <section aria-labelledby="payload-heading" className="flex min-w-0 flex-col gap-2">
          <h2 id="payload-heading" className="text-lg font-semibold">
            Payload
          </h2>
          <JsonBlock value={task.payload} testId="task-payload" />
        </section>
        <section aria-labelledby="result-heading" className="flex min-w-0 flex-col gap-2">
          <h2 id="result-heading" className="text-lg font-semibold">
            {task.error !== null && task.result === null ? "Error" : "Result"}
          </h2>
          <JsonBlock
            value={
              task.error !== null && task.result === null ? task.error : (task.result ?? undefined)
            }
            testId="task-result"
          />
        </section>
      </div>

      <div className="grid gap-6 md:grid-cols-2">
        <TaskLinks title="Upstream" ids={task.dependsOn} empty="It depends on no task." />
        <TaskLinks title="Downstream" ids={task.dependents} empty="No task depends on it." />
      </div>

      <TaskLogPanel
        taskId={id}
        live={task.state === "running" || task.state === "queued" || task.state === "blocked"}
      />

      <TaskTimeline id={id} agentNames={agentNames} />
    </article>
  );
}
