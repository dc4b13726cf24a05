"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useLiveEvents } from "@/lib/live/live-events";
import { createThrottle } from "@/lib/throttle";
import { useTRPC } from "@/lib/trpc/client";
import type { ScheduleDetail } from "./form-values";

const FLUSH_MS = 1_000;

/** The runs the loaded schedules show: their task and workflow ids. */
export function shownRunIds(pages: readonly { items: readonly ScheduleDetail[] }[]): Set<string> {
  const ids = new Set<string>();
  for (const page of pages) {
    for (const schedule of page.items) {
      for (const fire of schedule.recentFires) {
        if (fire.taskId) ids.add(fire.taskId);
        if (fire.workflowId) ids.add(fire.workflowId);
      }
    }
  }
  return ids;
}

/** Whether these events change what the schedules page shows. */
export function touchesSchedules(
  events: readonly { kind: string; taskId: string | null; workflowId: string | null }[],
  runIds: ReadonlySet<string>,
): boolean {
  return events.some(
    (event) =>
      event.kind.startsWith("schedule.") ||
      (event.taskId !== null && runIds.has(event.taskId)) ||
      (event.workflowId !== null && runIds.has(event.workflowId)),
  );
}

/**
 * Keeps the schedules list current from the one shared event stream: a fire, a skip, a
 * catch-up, a change to a schedule (on any instance), or a state change of a run it shows
 * refetches the list, at most once a second (a list row's next fire times and run states are
 * the server's to compute).
 */
export function useSchedulesLive(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [throttle] = useState(() =>
    createThrottle(() => {
      void queryClient.invalidateQueries(trpc.schedules.list.pathFilter());
    }, FLUSH_MS),
  );
  useEffect(() => () => throttle.cancel(), [throttle]);

  useLiveEvents((events) => {
    const pages = queryClient
      .getQueriesData<{ items: ScheduleDetail[] }>(trpc.schedules.list.pathFilter())
      .flatMap(([, data]) => (data ? [data] : []));
    if (touchesSchedules(events, shownRunIds(pages))) throttle.call();
  });
}
