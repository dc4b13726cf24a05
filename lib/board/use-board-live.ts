"use client";

import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { type LiveEvent, useLiveEvents } from "@/lib/live/live-events";
import { createThrottle } from "@/lib/throttle";
import { useTRPC } from "@/lib/trpc/client";
import { type ColumnData, findTask, placeTasks, scopeOfInput } from "./column-cache";
import { applyTaskEvent, changesCounts, taskFromSubmitted, toBoardTask } from "./task-events";
import type { BoardTask } from "./types";

/** Tasks not in any loaded page are fetched one by one; past this many, lists are refetched. */
const MAX_FETCHED_PER_BATCH = 20;

type Trpc = ReturnType<typeof useTRPC>;

/**
 * Keeps every loaded `tasks.list` page current from live events: a card moves to the column of
 * its new state, progress, priority and agent change in place, and new tasks appear, without
 * refetching lists. Counts are aggregates events cannot rebuild under arbitrary filters: they
 * are refetched, at most once a second.
 */
export function useBoardLive(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [throttles] = useState(() => ({
    counts: createThrottle(() => {
      void queryClient.invalidateQueries(trpc.tasks.counts.pathFilter());
    }, 1_000),
    lists: createThrottle(() => {
      void queryClient.invalidateQueries(trpc.tasks.list.pathFilter());
    }, 1_000),
  }));
  useEffect(
    () => () => {
      for (const throttle of Object.values(throttles)) throttle.cancel();
    },
    [throttles],
  );

  useLiveEvents((events) => {
    if (events.some((e) => e.kind === "agent.registered"))
      void queryClient.invalidateQueries(trpc.agents.list.pathFilter());
    const taskEvents = events.filter((e) => e.kind.startsWith("task.") && e.taskId);
    if (taskEvents.length === 0) return;
    if (taskEvents.some(changesCounts)) throttles.counts.call();

    const { changed, missing } = patchKnownTasks(queryClient, trpc, taskEvents);
    if (changed.size > 0) placeInLists(queryClient, trpc, changed.values());
    if (missing.size > MAX_FETCHED_PER_BATCH) throttles.lists.call();
    else if (missing.size > 0) void fetchAndPlace(queryClient, trpc, [...missing]);
  });
}

/** The tasks the events change, from the cached pages or the events themselves. */
function patchKnownTasks(queryClient: QueryClient, trpc: Trpc, events: LiveEvent[]) {
  const cached = queryClient.getQueriesData<ColumnData>({
    queryKey: trpc.tasks.list.infiniteQueryKey(),
  });
  const known = (id: string) => {
    for (const [, data] of cached) {
      const task = findTask(data, id);
      if (task) return task;
    }
    return undefined;
  };
  const changed = new Map<string, BoardTask>();
  const missing = new Set<string>();
  for (const event of events) {
    const id = event.taskId;
    if (!id) continue;
    const current = changed.get(id) ?? known(id) ?? taskFromSubmitted(event);
    if (current) changed.set(id, applyTaskEvent(current, event));
    // A task in no loaded page that changed state may now belong to a loaded one.
    else if (event.toState) missing.add(id);
  }
  return { changed, missing };
}

function placeInLists(queryClient: QueryClient, trpc: Trpc, tasks: Iterable<BoardTask>): void {
  const list = [...tasks];
  const queries = queryClient
    .getQueryCache()
    .findAll({ queryKey: trpc.tasks.list.infiniteQueryKey() });
  for (const query of queries) {
    const meta = query.queryKey[1] as { input?: unknown } | undefined;
    const scope = scopeOfInput(meta?.input ?? {});
    if (!scope) continue;
    queryClient.setQueryData<ColumnData>(query.queryKey, (data) =>
      data ? placeTasks(data, scope, list) : data,
    );
  }
}

async function fetchAndPlace(queryClient: QueryClient, trpc: Trpc, ids: string[]) {
  const fetched = await Promise.allSettled(
    ids.map((id) =>
      queryClient.fetchQuery({ ...trpc.tasks.get.queryOptions({ id }), staleTime: 0 }),
    ),
  );
  const tasks = fetched.flatMap((result) =>
    result.status === "fulfilled" ? [toBoardTask(result.value)] : [],
  );
  if (tasks.length > 0) placeInLists(queryClient, trpc, tasks);
}
