import type { LiveEvent } from "@/lib/live/live-events";
import type { RouterOutputs } from "@/sdk/client";

export type AgentItem = RouterOutputs["agents"]["list"][number];
export type TaskList = RouterOutputs["tasks"]["list"];

type EventLike = Pick<LiveEvent, "kind" | "taskId" | "agentId">;

const STATUS_AFTER: Record<string, AgentItem["status"]> = {
  "agent.draining": "draining",
  "agent.resumed": "online",
  "agent.offline": "offline",
};

/** Events that end a running attempt (a retry goes back to the queue). */
export const ATTEMPT_ENDED = new Set([
  "task.succeeded",
  "task.failed",
  "task.cancelled",
  "task.retrying",
]);

/** The agents with the statuses that agent.draining / resumed / offline events report. */
export function applyAgentStatuses(
  agents: AgentItem[] | undefined,
  events: readonly EventLike[],
): AgentItem[] | undefined {
  if (!agents) return agents;
  const status = new Map<string, AgentItem["status"]>();
  for (const event of events) {
    const next = STATUS_AFTER[event.kind];
    if (next && event.agentId) status.set(event.agentId, next);
  }
  if (status.size === 0) return agents;
  return agents.map((agent) => {
    const next = status.get(agent.id);
    return next && next !== agent.status ? { ...agent, status: next } : agent;
  });
}

/**
 * The running tasks without those whose attempt the events end. Tasks that started are not
 * added here: a task.started event carries no name, so the caller refetches for those.
 */
export function removeEndedTasks(
  list: TaskList | undefined,
  events: readonly EventLike[],
): TaskList | undefined {
  if (!list) return list;
  const ended = new Set(
    events.filter((e) => ATTEMPT_ENDED.has(e.kind) && e.taskId).map((e) => e.taskId),
  );
  if (ended.size === 0) return list;
  const items = list.items.filter((task) => !ended.has(task.id));
  return items.length === list.items.length ? list : { ...list, items };
}
