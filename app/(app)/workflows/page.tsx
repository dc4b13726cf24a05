import { HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { prefetchRuns } from "@/components/runs/prefetch-runs";
import { RunsList } from "@/components/runs/runs-list";
import { parseRunFilters } from "@/lib/runs/filters";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Workflow runs · Task Manager" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The workflow runs, newest first. The first page is read while the page renders; from then on
 * the browser keeps it live. Filters are the URL's search params.
 */
export default async function WorkflowsPage({ searchParams }: { searchParams: SearchParams }) {
  const principal = await requirePagePrincipal();
  const params = await searchParams;
  const filters = parseRunFilters({
    get: (name) => {
      const value = params[name];
      return typeof value === "string" ? value : null;
    },
  });
  const state = await prefetchRuns(principal, filters);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<h1 className="text-2xl font-semibold">Workflow runs</h1>}>
        <RunsList />
      </Suspense>
    </HydrationBoundary>
  );
}
