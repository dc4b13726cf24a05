import "server-only";
import { type DehydratedState, dehydrate, QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { BoardFilters } from "@/lib/board/filters";
import { BOARD_PAGE_SIZE } from "@/lib/board/types";
import { TASK_STATES } from "@/lib/tasks/states";
import { createCaller } from "@/server/api/caller";
import type { Context } from "@/server/api/context";
import { appRouter } from "@/server/api/root";
import type { Principal } from "@/server/auth/roles";
import { getDb } from "@/server/db";

// BOARD_PAGE_SIZE lives in lib/board: a constant imported from a "use client" module would
// arrive here as a client reference, not a number.

/** As the browser would receive it over HTTP: plain JSON, timestamps as ISO strings. */
function wire<T>(value: T) {
  return JSON.parse(JSON.stringify(value));
}

/**
 * The board's first data (counts, each column's first page, agent names), read in-process
 * while the page renders, so the HTML already shows the board: no round trip after hydration
 * before anything appears. Goes through the router, so roles and validation still apply.
 */
export async function prefetchBoard(
  principal: Principal,
  filters: BoardFilters,
): Promise<DehydratedState> {
  const ctx: Context = { db: getDb(), principal, sameOrigin: true };
  const queryClient = new QueryClient();
  const trpc = createTRPCOptionsProxy({ router: appRouter, ctx, queryClient });
  const caller = createCaller(ctx);
  const inputs = TASK_STATES.map((state) => ({ state, ...filters, limit: BOARD_PAGE_SIZE }));
  const [counts, agents, ...pages] = await Promise.all([
    caller.tasks.counts(filters),
    caller.agents.list(),
    ...inputs.map((input) => caller.tasks.list(input)),
  ]);
  queryClient.setQueryData(trpc.tasks.counts.queryKey(filters), wire(counts));
  queryClient.setQueryData(trpc.agents.list.queryKey(), wire(agents));
  // Through prefetchInfiniteQuery, so the entry is shaped as the column's own query makes it.
  await Promise.all(
    inputs.map((input, index) =>
      queryClient.prefetchInfiniteQuery({
        ...trpc.tasks.list.infiniteQueryOptions(input, {
          getNextPageParam: (page) => page.nextCursor ?? undefined,
        }),
        queryFn: () => wire(pages[index]),
      }),
    ),
  );
  return dehydrate(queryClient);
}
