"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useEffect, useMemo } from "react";
import { SubmitGuide } from "@/components/guide/submit-guide";
import { useAgentNames } from "@/lib/agents/use-agent-names";
import { usePermissions } from "@/lib/auth/role";
import { parseBoardFilters } from "@/lib/board/filters";
import { SelectionProvider } from "@/lib/board/selection";
import { useBoardLive } from "@/lib/board/use-board-live";
import { TASK_STATES } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { BoardColumn } from "./board-column";
import { BoardFiltersForm } from "./board-filters";
import { BulkBar } from "./bulk-bar";
import { SubmitPanel } from "./submit-panel";

/** The task board: filters from the URL, one live, virtualised column per state. */
export function Board() {
  const searchParams = useSearchParams();
  const rawSearch = searchParams.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the string is the params' identity
  const filters = useMemo(() => parseBoardFilters(searchParams), [rawSearch]);
  const trpc = useTRPC();
  const counts = useQuery(trpc.tasks.counts.queryOptions(filters));
  const agentNames = useAgentNames();
  const { submit, operate } = usePermissions();
  useBoardLive();
  // The board patches its lists only while it is shown: what was cached (by the server's
  // render, or an earlier visit) is refreshed once now that the live stream is listening.
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.invalidateQueries(trpc.tasks.pathFilter());
    void queryClient.invalidateQueries(trpc.agents.list.pathFilter());
  }, [queryClient, trpc]);

  // Nothing at all, unfiltered: a first run, which needs directions rather than seven empty columns.
  const neverUsed =
    Object.keys(filters).length === 0 &&
    counts.data !== undefined &&
    Object.values(counts.data).every((count) => count === 0);

  return (
    <SelectionProvider>
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-2xl font-semibold">Task board</h1>
        </div>
        {neverUsed && (
          <SubmitGuide id="board" title="No tasks yet: three ways to fill this board" />
        )}
        {submit && <SubmitPanel />}
        <BoardFiltersForm filters={filters} rawSearch={rawSearch} agentNames={agentNames} />
        {operate && <BulkBar />}
        {counts.isError && (
          <p role="alert" className="text-sm text-danger">
            Could not count tasks: {errorMessage(counts.error)}
          </p>
        )}
        <div
          data-testid="board"
          className="grid grid-cols-[repeat(7,minmax(12rem,1fr))] gap-2 overflow-x-auto pb-2"
        >
          {TASK_STATES.map((state) => (
            <BoardColumn
              key={state}
              state={state}
              filters={filters}
              count={counts.data?.[state]}
              agentNames={agentNames}
            />
          ))}
        </div>
      </div>
    </SelectionProvider>
  );
}
