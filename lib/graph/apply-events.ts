import type { LiveEvent } from "@/lib/live/live-events";
import type { GraphTask } from "./types";

/** The fields of a `workflows.get` task that events change. */
export interface LiveTask extends GraphTask {
  agentId: string | null;
  priority: number;
}

export interface ApplyResult<W> {
  /** The same object when no event touched it, so React Query keeps its subscribers quiet. */
  workflow: W;
  /** An event named a task of this workflow that the cached copy lacks: refetch. */
  stale: boolean;
}

/**
 * Applies live events to a cached `workflows.get` result: states, start and finish times,
 * progress, priority. Events of other workflows are ignored. The DAG's structure never
 * changes after submission, so the layout stays valid.
 */
export function applyWorkflowEvents<T extends LiveTask, W extends { id: string; tasks: T[] }>(
  workflow: W,
  events: readonly LiveEvent[],
): ApplyResult<W> {
  let tasks: T[] | undefined;
  let index: Map<string, number> | undefined;
  let stale = false;
  for (const event of events) {
    if (event.workflowId !== workflow.id || event.taskId === null) continue;
    index ??= new Map(workflow.tasks.map((task, i) => [task.id, i]));
    const at = index.get(event.taskId);
    if (at === undefined) {
      stale = true;
      continue;
    }
    tasks ??= [...workflow.tasks];
    const before = tasks[at];
    if (before) tasks[at] = applyEvent(before, event);
  }
  return { workflow: tasks ? { ...workflow, tasks } : workflow, stale };
}

function applyEvent<T extends LiveTask>(task: T, event: LiveEvent): T {
  const next: T = { ...task };
  if (event.toState) next.state = event.toState;
  const data = (event.data ?? {}) as Record<string, unknown>;
  switch (event.kind) {
    case "task.started":
      next.startedAt = event.createdAt;
      next.finishedAt = null;
      next.agentId = event.agentId;
      next.progress = null;
      break;
    case "task.succeeded":
    case "task.failed":
    case "task.cancelled":
      next.finishedAt = event.createdAt;
      break;
    case "task.retrying":
    case "task.queued":
    case "task.waiting":
      next.finishedAt = null;
      next.agentId = null;
      break;
    case "task.progress":
      if (typeof data.fraction === "number") next.progress = data.fraction;
      break;
    case "task.priority":
      if (typeof data.priority === "number") next.priority = data.priority;
      break;
  }
  return next;
}
