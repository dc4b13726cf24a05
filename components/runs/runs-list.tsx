"use client";

import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useEffect, useMemo } from "react";
import { SubmitGuide } from "@/components/guide/submit-guide";
import { useNow } from "@/lib/hooks/use-now";
import { parseRunFilters, RUNS_PAGE_SIZE, runListInput } from "@/lib/runs/filters";
import type { RunSummary } from "@/lib/runs/types";
import { useRunsLive } from "@/lib/runs/use-runs-live";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { RunFiltersForm } from "./run-filters";
import { RunRow } from "./run-row";

const COLUMNS = [
  "Name",
  "State",
  "Progress",
  "Tasks",
  "Submitter",
  "Created",
  "Duration",
  "Actions",
] as const;

/**
 * The workflow runs, newest first, a page at a time ("Load more" reads the next keyset page),
 * so 100,000 runs cost what the loaded pages do. Live from the shared event stream.
 */
export function RunsList() {
  const searchParams = useSearchParams();
  const rawSearch = searchParams.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the string is the params' identity
  const filters = useMemo(() => parseRunFilters(searchParams), [rawSearch]);
  const trpc = useTRPC();
  const now = useNow(5_000);
  const query = useInfiniteQuery(
    trpc.workflows.list.infiniteQueryOptions(runListInput(filters, RUNS_PAGE_SIZE), {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    }),
  );
  useRunsLive();
  // What was cached (by the server's render, or an earlier visit) is refreshed once now that
  // the live stream is listening.
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.invalidateQueries(trpc.workflows.list.pathFilter());
  }, [queryClient, trpc]);

  // Live refetches may shift a run onto the next page too: show each once.
  const runs = useMemo(() => {
    const seen = new Set<string>();
    const items: RunSummary[] = [];
    for (const page of query.data?.pages ?? []) {
      for (const run of page.items) {
        if (seen.has(run.id)) continue;
        seen.add(run.id);
        items.push(run);
      }
    }
    return items;
  }, [query.data]);
  const filtered = rawSearch !== "" && Object.keys(filters).length > 0;
  const neverUsed = !filtered && query.isSuccess && runs.length === 0;

  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Workflow runs</h1>
      {neverUsed ? (
        <SubmitGuide id="runs" title="No workflow runs yet: three ways to start one" />
      ) : (
        <>
          <RunFiltersForm filters={filters} rawSearch={rawSearch} />
          {query.isError && (
            <p role="alert" className="text-sm text-danger">
              Could not load runs: {errorMessage(query.error)}
            </p>
          )}
          <div className="overflow-x-auto rounded-lg border border-ink-muted/20 bg-surface">
            <table
              data-testid="runs-table"
              data-ready={query.isSuccess ? "true" : "false"}
              className="w-full text-left text-sm"
            >
              <caption className="sr-only">Workflow runs, newest first</caption>
              <thead className="text-xs text-ink-muted">
                <tr>
                  {COLUMNS.map((column) => (
                    <th key={column} scope="col" className="px-2 py-2 font-medium">
                      {column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => (
                  <RunRow key={run.id} run={run} now={now} />
                ))}
              </tbody>
            </table>
            {query.isSuccess && runs.length === 0 && (
              <p className="p-3 text-sm text-ink-muted">No runs match these filters.</p>
            )}
          </div>
          {query.hasNextPage && (
            <button
              type="button"
              className="self-center rounded border border-ink-muted/40 px-3 py-1 text-sm hover:bg-ink/5 disabled:opacity-60"
              disabled={query.isFetchingNextPage}
              onClick={() => void query.fetchNextPage()}
            >
              {query.isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          )}
        </>
      )}
    </div>
  );
}
