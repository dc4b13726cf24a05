import type { LiveEvent } from "@/lib/live/live-events";
import { TASK_STATES, type TaskState } from "@/lib/tasks/states";
import type { BoardTask } from "./types";

function field(data: unknown, key: string): unknown {
  return typeof data === "object" && data !== null
    ? (data as Record<string, unknown>)[key]
    : undefined;
}
const numberField = (data: unknown, key: string) => {
  const value = field(data, key);
  return typeof value === "number" ? value : undefined;
};
const stringField = (data: unknown, key: string) => {
  const value = field(data, key);
  return typeof value === "string" ? value : undefined;
};
const isState = (value: unknown): value is TaskState =>
  TASK_STATES.some((state) => state === value);

/**
 * A new task as its `task.submitted` event describes it (server/tasks/submit.ts
 * `submittedEvent`: name, type, priority; the event is written with the row, so its time is
 * the task's created_at). Undefined for any other event.
 */
export function taskFromSubmitted(event: LiveEvent): BoardTask | undefined {
  const name = stringField(event.data, "name");
  if (event.kind !== "task.submitted" || !event.taskId || !isState(event.toState) || !name)
    return undefined;
  return {
    id: event.taskId,
    name,
    type: stringField(event.data, "type") ?? "default",
    state: event.toState,
    priority: numberField(event.data, "priority") ?? 0,
    agentId: null,
    workflowId: event.workflowId,
    progress: null,
    progressStep: null,
    progressMessage: null,
    attempts: 0,
    cancelReason: null,
    createdAt: event.createdAt,
  };
}

/** The task after the event, as far as a card shows it. */
export function applyTaskEvent<T extends BoardTask>(task: T, event: LiveEvent): T {
  const state = isState(event.toState) ? event.toState : task.state;
  switch (event.kind) {
    case "task.progress":
      return {
        ...task,
        progress: numberField(event.data, "fraction") ?? task.progress,
        progressStep: stringField(event.data, "step") ?? task.progressStep,
        progressMessage: stringField(event.data, "message") ?? task.progressMessage,
      };
    case "task.priority":
      return { ...task, priority: numberField(event.data, "priority") ?? task.priority };
    case "task.started":
      // A claim clears the previous attempt's progress (server/tasks/claim.ts).
      return {
        ...task,
        state,
        agentId: event.agentId,
        attempts: numberField(event.data, "attempt") ?? task.attempts + 1,
        progress: null,
        progressStep: null,
        progressMessage: null,
      };
    case "task.retrying":
      return { ...task, state, agentId: null };
    case "task.queued":
    case "task.waiting": {
      // An operator's retry starts over (server/tasks/operate.ts); a release changes only state.
      const retried = field(event.data, "retriedBy") !== undefined;
      return retried
        ? {
            ...task,
            state,
            agentId: null,
            attempts: 0,
            cancelReason: null,
            progress: null,
            progressStep: null,
            progressMessage: null,
          }
        : { ...task, state };
    }
    case "task.cancelled":
      return {
        ...task,
        state,
        cancelReason: stringField(event.data, "reason") ?? task.cancelReason,
      };
    default:
      return { ...task, state };
  }
}

/** Whether the event may change how many tasks a column counts. */
export function changesCounts(event: LiveEvent): boolean {
  return (
    event.kind === "task.submitted" || (event.toState != null && event.toState !== event.fromState)
  );
}

/** The card's fields of a fuller task (a `tasks.get` answer carries payload and result too). */
export function toBoardTask(task: BoardTask): BoardTask {
  return {
    id: task.id,
    name: task.name,
    type: task.type,
    state: task.state,
    priority: task.priority,
    agentId: task.agentId,
    workflowId: task.workflowId,
    progress: task.progress,
    progressStep: task.progressStep,
    progressMessage: task.progressMessage,
    attempts: task.attempts,
    cancelReason: task.cancelReason,
    createdAt: task.createdAt,
  };
}
