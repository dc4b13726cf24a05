import "server-only";
import { type DehydratedState, dehydrate, QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { RUNS_PAGE_SIZE, type RunFilters, runListInput } from "@/lib/runs/filters";
import { createCaller } from "@/server/api/caller";
import type { Context } from "@/server/api/context";
import { appRouter } from "@/server/api/root";
import type { Principal } from "@/server/auth/roles";
import { getDb } from "@/server/db";

/**
 * The runs list's first page, read in-process while the page renders (as the board's
 * prefetch-board.ts does), so the HTML already shows the table. Goes through the router, so
 * roles and validation still apply.
 */
export async function prefetchRuns(
  principal: Principal,
  filters: RunFilters,
): Promise<DehydratedState> {
  const ctx: Context = { db: getDb(), principal, sameOrigin: true };
  const queryClient = new QueryClient();
  const trpc = createTRPCOptionsProxy({ router: appRouter, ctx, queryClient });
  const input = runListInput(filters, RUNS_PAGE_SIZE);
  const page = await createCaller(ctx).workflows.list(input);
  await queryClient.prefetchInfiniteQuery({
    ...trpc.workflows.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
    // As the browser would receive it over HTTP: plain JSON.
    queryFn: () => JSON.parse(JSON.stringify(page)),
  });
  return dehydrate(queryClient);
}
