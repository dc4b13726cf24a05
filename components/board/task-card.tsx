import Link from "next/link";
import { ProgressBar } from "@/components/task/progress-bar";
import { TaskActions } from "@/components/task/task-actions";
import { agentLabel } from "@/lib/agents/use-agent-names";
import type { BoardTask } from "@/lib/board/types";
import { ageOf, formatAge } from "@/lib/format/age";
import { CardSelect } from "./card-select";

/** One task on the board. Every user-supplied string is rendered as text. */
export function TaskCard({
  task,
  agentNames,
  now,
}: {
  task: BoardTask;
  agentNames: Map<string, string>;
  now: number;
}) {
  const showProgress = task.state === "running" || task.progress !== null;
  return (
    <article
      data-testid="task-card"
      data-task-id={task.id}
      data-state={task.state}
      aria-label={task.name}
      className="flex flex-col gap-1.5 rounded border border-ink-muted/25 bg-surface-raised p-2 text-sm shadow-sm"
    >
      <div className="flex items-start gap-1.5">
        <CardSelect task={task} />
        <Link
          href={`/tasks/${task.id}`}
          className="min-w-0 truncate font-medium text-ink underline-offset-2 hover:underline"
          title={task.name}
        >
          {task.name}
        </Link>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-2 text-xs text-ink-muted">
        <dt>Type</dt>
        <dd className="truncate" title={task.type}>
          {task.type}
        </dd>
        <dt>Priority</dt>
        <dd data-testid="card-priority" className="tabular-nums">
          {task.priority}
        </dd>
        {task.agentId && (
          <>
            <dt>Agent</dt>
            <dd className="truncate" title={task.agentId}>
              {agentLabel(agentNames, task.agentId)}
            </dd>
          </>
        )}
        {task.workflowId && (
          <>
            <dt>Run</dt>
            <dd>
              <Link
                href={`/workflows/${task.workflowId}`}
                className="text-accent underline underline-offset-2"
                aria-label={`Run of ${task.name}`}
                data-testid="card-run-link"
              >
                Open run
              </Link>
            </dd>
          </>
        )}
        <dt>Age</dt>
        <dd>
          {/* The server's clock renders it first: a second's difference is expected. */}
          <time dateTime={task.createdAt} suppressHydrationWarning>
            {formatAge(ageOf(task.createdAt, now))}
          </time>
        </dd>
      </dl>
      {showProgress && (
        <ProgressBar
          label={`Progress of ${task.name}`}
          progress={task.progress}
          step={task.progressStep}
          message={task.progressMessage}
        />
      )}
      <TaskActions task={task} />
    </article>
  );
}
