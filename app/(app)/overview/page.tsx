import { HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { OverviewView } from "@/components/overview/overview-view";
import { prefetchOverview } from "@/components/overview/prefetch-overview";
import { parseOverviewRange } from "@/lib/overview/range";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Overview · Task Manager" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * Throughput, queue depth, wait and run times over 15 min to 7 d (`?range=`). The figures are
 * read while the page renders, so the HTML holds every chart; the browser keeps them live.
 */
export default async function OverviewPage({ searchParams }: { searchParams: SearchParams }) {
  const principal = await requirePagePrincipal();
  const params = await searchParams;
  const range = parseOverviewRange(typeof params.range === "string" ? params.range : null);
  const state = await prefetchOverview(principal, range);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<h1 className="text-2xl font-semibold">Overview</h1>}>
        <OverviewView />
      </Suspense>
    </HydrationBoundary>
  );
}
