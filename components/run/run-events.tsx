"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { runEventsInput } from "@/lib/run/events-input";
import { formatClock } from "@/lib/run/format";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

/** The run's event log, newest first; refetched by useRunLive as events arrive. */
export function RunEvents({ workflowId }: { workflowId: string }) {
  const trpc = useTRPC();
  const events = useQuery(trpc.events.list.queryOptions(runEventsInput(workflowId)));
  const timeline = useQuery(trpc.workflows.timeline.queryOptions({ id: workflowId }));
  const names = useMemo(
    () => new Map((timeline.data?.tasks ?? []).map((task) => [task.id, task.name])),
    [timeline.data],
  );

  if (events.isPending) return <p role="status">Loading the events…</p>;
  if (events.isError) {
    return (
      <p role="alert" className="text-danger">
        The events could not be loaded: {errorMessage(events.error)}
      </p>
    );
  }
  const items = [...events.data.items].reverse();
  if (items.length === 0) return <p className="text-ink-muted">No event yet.</p>;
  return (
    <div className="max-h-[32rem] overflow-auto rounded border border-ink-muted/20">
      <table className="w-full text-sm" data-testid="run-events">
        <caption className="sr-only">Events of this run, newest first</caption>
        <thead className="sticky top-0 bg-surface">
          <tr>
            <th scope="col" className="px-2 py-1 text-left font-medium">
              Time
            </th>
            <th scope="col" className="px-2 py-1 text-left font-medium">
              Event
            </th>
            <th scope="col" className="px-2 py-1 text-left font-medium">
              Task
            </th>
            <th scope="col" className="px-2 py-1 text-left font-medium">
              Change
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((event) => (
            <tr key={event.id} className="border-t border-ink-muted/10" data-testid="run-event">
              <td className="px-2 py-1 tabular-nums">
                <time dateTime={event.createdAt} title={event.createdAt}>
                  {formatClock(Date.parse(event.createdAt), true)}
                </time>
              </td>
              <td className="px-2 py-1 font-mono text-xs">{event.kind}</td>
              <td className="max-w-xs truncate px-2 py-1">
                {event.taskId ? (
                  <Link href={`/tasks/${event.taskId}`} className="text-accent underline">
                    {names.get(event.taskId) ?? event.taskId}
                  </Link>
                ) : (
                  "—"
                )}
              </td>
              <td className="px-2 py-1">
                {event.fromState || event.toState
                  ? `${event.fromState ?? "—"} → ${event.toState ?? "—"}`
                  : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
