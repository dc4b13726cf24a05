"use client";

import { useThrottledInvalidate } from "@/lib/hooks/use-throttled-invalidate";
import { type LiveEvent, useLiveEvents } from "@/lib/live/live-events";
import { useTRPC } from "@/lib/trpc/client";

/** A task entered or left `waiting`: the approvals list and its count may have changed. */
export function touchesApprovals(event: LiveEvent): boolean {
  return (
    event.kind === "task.waiting" ||
    event.kind === "task.signalled" ||
    event.fromState === "waiting" ||
    event.toState === "waiting"
  );
}

/**
 * Keeps `approvals.*` live: the list is an aggregate (upstream results, a join), so events
 * trigger a throttled refetch rather than being patched in.
 */
export function useLiveApprovals(): void {
  const trpc = useTRPC();
  const refresh = useThrottledInvalidate(trpc.approvals.pathFilter(), 500);
  useLiveEvents((events) => {
    if (events.some(touchesApprovals)) refresh();
  });
}
