import type { TaskState } from "@/lib/tasks/states";
import type { ActiveWorkflow } from "@/server/tasks/active-workflows";

/** What of a live event a workflow graph needs. */
export interface TaskEventLike {
  kind: string;
  taskId: string | null;
  fromState: string | null;
  toState: string | null;
  data?: unknown;
}

/** The workflow after these task events: node states, progress, and counts by state. */
export function applyTaskEvents(
  workflow: ActiveWorkflow,
  events: readonly TaskEventLike[],
): ActiveWorkflow {
  const counts = { ...workflow.counts };
  const tasks = new Map(workflow.tasks.map((task) => [task.id, task]));
  let taskCount = workflow.taskCount;
  for (const event of events) {
    const to = event.toState as TaskState | null;
    const from = event.fromState as TaskState | null;
    if (event.kind === "task.submitted" && to) {
      counts[to] = (counts[to] ?? 0) + 1;
      taskCount += 1;
      continue;
    }
    if (event.kind === "task.progress" && event.taskId) {
      const task = tasks.get(event.taskId);
      const fraction = (event.data as { fraction?: unknown } | undefined)?.fraction;
      if (task && typeof fraction === "number") tasks.set(task.id, { ...task, progress: fraction });
      continue;
    }
    if (!to || !from || to === from) continue;
    counts[from] = Math.max(0, (counts[from] ?? 0) - 1);
    counts[to] = (counts[to] ?? 0) + 1;
    const task = event.taskId ? tasks.get(event.taskId) : undefined;
    if (task) tasks.set(task.id, { ...task, state: to });
  }
  return { ...workflow, counts, taskCount, tasks: [...tasks.values()] };
}
