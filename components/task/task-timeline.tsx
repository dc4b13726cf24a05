"use client";

import { useQuery } from "@tanstack/react-query";
import { agentLabel } from "@/lib/agents/use-agent-names";
import { TIMELINE_LIMIT } from "@/lib/task/use-task-live";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

/** The task's events, oldest first, as the live stream extends them. */
export function TaskTimeline({ id, agentNames }: { id: string; agentNames: Map<string, string> }) {
  const trpc = useTRPC();
  const timeline = useQuery(trpc.tasks.events.queryOptions({ taskId: id, limit: TIMELINE_LIMIT }));
  const items = timeline.data?.items ?? [];
  return (
    <section aria-labelledby="timeline-heading" className="flex flex-col gap-2">
      <h2 id="timeline-heading" className="text-lg font-semibold">
        Timeline
      </h2>
      {timeline.isError && (
        <p role="alert" className="text-sm text-danger">
          Could not load the events: {errorMessage(timeline.error)}
        </p>
      )}
      <ol className="flex flex-col gap-1 text-sm" data-testid="timeline">
        {items.map((event) => (
          <li
            key={event.id}
            className="grid grid-cols-[11rem_9rem_1fr] gap-2 border-b border-ink-muted/10 py-1"
          >
            <time dateTime={event.createdAt} className="tabular-nums text-ink-muted">
              {new Date(event.createdAt).toLocaleString()}
            </time>
            <span className="font-medium">{event.kind.replace(/^task\./, "")}</span>
            <span className="min-w-0 break-words text-ink-muted">
              {event.fromState && event.toState && `${event.fromState} → ${event.toState}. `}
              {event.agentId && `Agent ${agentLabel(agentNames, event.agentId)}. `}
              {summary(event.data)}
            </span>
          </li>
        ))}
      </ol>
      {timeline.data?.nextAfterId != null && (
        <p className="text-sm text-ink-muted">Showing the first {TIMELINE_LIMIT} events.</p>
      )}
    </section>
  );
}

/** An event's data on one line: `key: value` pairs, JSON for anything nested. */
function summary(data: unknown): string {
  if (typeof data !== "object" || data === null) return "";
  return Object.entries(data)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}
