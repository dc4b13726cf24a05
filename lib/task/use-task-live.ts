"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { applyTaskEvent } from "@/lib/board/task-events";
import { useLiveEvents } from "@/lib/live/live-events";
import { createThrottle } from "@/lib/throttle";
import { useTRPC } from "@/lib/trpc/client";

/** The timeline's page: one query, long enough for any ordinary task. */
export const TIMELINE_LIMIT = 1_000;

/**
 * Keeps a task page current: its own events patch the task (state, progress, priority at
 * once) and extend the timeline; the fields events do not carry (result, error, times) and
 * the explanation are refetched, at most twice a second. Events of the tasks it links to
 * refresh those links.
 */
export function useTaskLive(id: string, relatedIds: readonly string[]): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [refresh] = useState(() =>
    createThrottle(() => {
      void queryClient.invalidateQueries({ queryKey: trpc.tasks.get.queryKey({ id }) });
      void queryClient.invalidateQueries({ queryKey: trpc.tasks.explain.queryKey({ id }) });
    }, 500),
  );
  useEffect(() => () => refresh.cancel(), [refresh]);

  useLiveEvents((events) => {
    const mine = events.filter((event) => event.taskId === id);
    if (mine.length > 0) {
      queryClient.setQueryData(trpc.tasks.get.queryKey({ id }), (task) =>
        task ? mine.reduce(applyTaskEvent, task) : task,
      );
      queryClient.setQueryData(
        trpc.tasks.events.queryKey({ taskId: id, limit: TIMELINE_LIMIT }),
        (timeline) => {
          if (!timeline) return timeline;
          const last = timeline.items.at(-1)?.id ?? 0;
          const fresh = mine
            .filter((event) => event.id > last)
            .map((event) => ({ ...event, data: event.data ?? {} }));
          return { ...timeline, items: [...timeline.items, ...fresh] };
        },
      );
      refresh.call();
    }
    const related = new Set(relatedIds);
    for (const event of events) {
      if (!event.taskId || !related.has(event.taskId) || !event.toState) continue;
      void queryClient.invalidateQueries({
        queryKey: trpc.tasks.get.queryKey({ id: event.taskId }),
      });
      // An upstream task ending may be what this one was waiting for.
      refresh.call();
    }
  });
}
