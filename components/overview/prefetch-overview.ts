import "server-only";
import { type DehydratedState, dehydrate, QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { OverviewRange } from "@/lib/overview/range";
import { createCaller } from "@/server/api/caller";
import type { Context } from "@/server/api/context";
import { appRouter } from "@/server/api/root";
import type { Principal } from "@/server/auth/roles";
import { getDb } from "@/server/db";

/**
 * The overview's figures, read in-process while the page renders (as prefetch-runs.ts does),
 * so the HTML already holds every chart. Goes through the router: roles and validation apply.
 */
export async function prefetchOverview(
  principal: Principal,
  range: OverviewRange,
): Promise<DehydratedState> {
  const ctx: Context = { db: getDb(), principal, sameOrigin: true };
  const queryClient = new QueryClient();
  const trpc = createTRPCOptionsProxy({ router: appRouter, ctx, queryClient });
  const overview = await createCaller(ctx).metrics.overview({ range });
  await queryClient.prefetchQuery({
    ...trpc.metrics.overview.queryOptions({ range }),
    // As the browser would receive it over HTTP: plain JSON.
    queryFn: () => JSON.parse(JSON.stringify(overview)),
  });
  return dehydrate(queryClient);
}
