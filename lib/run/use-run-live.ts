"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useLiveEvents } from "@/lib/live/live-events";
import { runEventsInput } from "@/lib/run/events-input";
import { createThrottle } from "@/lib/throttle";
import { useTRPC } from "@/lib/trpc/client";

/** How often a busy run refetches its header, timeline and event log at most. */
export const RUN_REFRESH_MS = 1_000;

/**
 * Keeps a run page current: any event of the workflow (its tasks' transitions and the
 * `workflow.*` operations) refetches the header, the timeline and the event log, at most once
 * a second however busy the run. Counts, ETA and attempts are aggregates that single events do
 * not rebuild; the graph patches itself (components/graph).
 */
export function useRunLive(workflowId: string): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [refresh] = useState(() =>
    createThrottle(() => {
      for (const queryKey of [
        trpc.workflows.run.queryKey({ id: workflowId }),
        trpc.workflows.timeline.queryKey({ id: workflowId }),
        trpc.events.list.queryKey(runEventsInput(workflowId)),
      ]) {
        void queryClient.invalidateQueries({ queryKey });
      }
    }, RUN_REFRESH_MS),
  );
  useEffect(() => () => refresh.cancel(), [refresh]);
  useLiveEvents((events) => {
    if (events.some((event) => event.workflowId === workflowId)) refresh.call();
  });
}
