"use client";

import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useLiveEvents } from "@/lib/live/live-events";
import { createThrottle } from "@/lib/throttle";
import { useTRPC } from "@/lib/trpc/client";
import { patchRuns, runIds } from "./runs-cache";
import type { RunSummary, RunsData } from "./types";

/** Past this many changed runs in a second, the lists are refetched rather than run by run. */
const MAX_FETCHED_PER_FLUSH = 20;
const FLUSH_MS = 1_000;

type Trpc = ReturnType<typeof useTRPC>;

/**
 * Keeps the loaded runs current from the one shared event stream. A run's counts, state and
 * ETA are aggregates over its tasks that events cannot rebuild, so each changed run is
 * re-read (`workflows.run`), at most once a second for all of them, and patched in place. An
 * event of a run in no loaded page (a new run, most often) refetches the lists, throttled the
 * same way: under the demo fleet's hundreds of events a second this is a few reads a second.
 */
export function useRunsLive(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [live] = useState(() => {
    const pending = new Set<string>();
    const lists = createThrottle(() => {
      void queryClient.invalidateQueries(trpc.workflows.list.pathFilter());
    }, FLUSH_MS);
    const runs = createThrottle(() => {
      const ids = [...pending];
      pending.clear();
      if (ids.length > MAX_FETCHED_PER_FLUSH) lists.call();
      else void refreshRuns(queryClient, trpc, ids, () => lists.call());
    }, FLUSH_MS);
    return { pending, lists, runs };
  });
  useEffect(
    () => () => {
      live.lists.cancel();
      live.runs.cancel();
    },
    [live],
  );

  useLiveEvents((events) => {
    const touched = new Set<string>();
    for (const event of events) {
      if (
        event.workflowId &&
        (event.kind.startsWith("task.") || event.kind.startsWith("workflow."))
      )
        touched.add(event.workflowId);
    }
    if (touched.size === 0) return;
    const known = new Set<string>();
    for (const [, data] of queryClient.getQueriesData<RunsData>({
      queryKey: trpc.workflows.list.infiniteQueryKey(),
    })) {
      for (const id of runIds(data)) known.add(id);
    }
    for (const id of touched) {
      if (known.has(id)) live.pending.add(id);
      else live.lists.call();
    }
    if (live.pending.size > 0) live.runs.call();
  });
}

async function refreshRuns(
  queryClient: QueryClient,
  trpc: Trpc,
  ids: string[],
  refetchLists: () => void,
): Promise<void> {
  const fetched = await Promise.allSettled(
    ids.map((id) =>
      queryClient.fetchQuery({ ...trpc.workflows.run.queryOptions({ id }), staleTime: 0 }),
    ),
  );
  const runs = new Map<string, RunSummary>();
  for (const result of fetched) {
    if (result.status === "fulfilled") runs.set(result.value.id, result.value);
  }
  // A run that could not be read (deleted, or a failed call): the lists say what is true.
  if (runs.size < ids.length) refetchLists();
  if (runs.size === 0) return;
  for (const query of queryClient
    .getQueryCache()
    .findAll({ queryKey: trpc.workflows.list.infiniteQueryKey() })) {
    const meta = query.queryKey[1] as { input?: { state?: unknown } } | undefined;
    const stateFilter = typeof meta?.input?.state === "string" ? meta.input.state : undefined;
    const data = query.state.data as RunsData | undefined;
    if (!data) continue;
    const patched = patchRuns(data, runs, stateFilter);
    if (patched.data !== data) queryClient.setQueryData(query.queryKey, patched.data);
    if (patched.left) void queryClient.invalidateQueries({ queryKey: query.queryKey, exact: true });
  }
}
