import { HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { Board } from "@/components/board/board";
import { prefetchBoard } from "@/components/board/prefetch-board";
import { parseBoardFilters } from "@/lib/board/filters";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "Task board · Task Manager" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The task board. Its first data is read while the page renders (the HTML shows the board
 * at once); from then on the browser keeps it live. Filters are the URL's search params.
 */
export default async function BoardPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const filters = parseBoardFilters({
    get: (name) => {
      const value = params[name];
      return typeof value === "string" ? value : null;
    },
  });
  const state = await prefetchBoard(await requirePagePrincipal(), filters);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<h1 className="text-2xl font-semibold">Task board</h1>}>
        <Board />
      </Suspense>
    </HydrationBoundary>
  );
}
