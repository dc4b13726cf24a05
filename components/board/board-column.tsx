"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import { STATE_LOOK, StateBadge } from "@/components/task/state-badge";
import type { BoardFilters } from "@/lib/board/filters";
import { BOARD_PAGE_SIZE, type BoardTask } from "@/lib/board/types";
import { useNow } from "@/lib/hooks/use-now";
import type { TaskState } from "@/lib/tasks/states";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { TaskCard } from "./task-card";

/** Start loading the next page this many cards before the end. */
const PREFETCH_CARDS = 15;

/**
 * One state's tasks, newest first: only the cards in view are in the DOM, and pages load as
 * the column scrolls, so 10,000 tasks cost what a screenful does. The count comes from the
 * server (`tasks.counts`), not from the pages loaded.
 */
export function BoardColumn({
  state,
  filters,
  count,
  agentNames,
}: {
  state: TaskState;
  filters: BoardFilters;
  count: number | undefined;
  agentNames: Map<string, string>;
}) {
  const trpc = useTRPC();
  const now = useNow(5_000);
  const query = useInfiniteQuery(
    trpc.tasks.list.infiniteQueryOptions(
      { state, ...filters, limit: BOARD_PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  // Live events may insert a task already on a page loaded later: show each once.
  const tasks = useMemo(() => {
    const seen = new Set<string>();
    const items: BoardTask[] = [];
    for (const page of query.data?.pages ?? []) {
      for (const task of page.items) {
        if (seen.has(task.id)) continue;
        seen.add(task.id);
        items.push(task);
      }
    }
    return items;
  }, [query.data]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 120,
    overscan: 6,
    gap: 8,
    getItemKey: (index) => tasks[index]?.id ?? index,
    // Render the first screenful before the container has been measured.
    initialRect: { width: 200, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= tasks.length - PREFETCH_CARDS)
      void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, tasks.length]);

  const headingId = `column-${state}`;
  const label = STATE_LOOK[state].label;
  const ready = query.isSuccess && count !== undefined;
  return (
    <section
      aria-labelledby={headingId}
      data-testid={`column-${state}`}
      data-ready={ready ? "true" : "false"}
      className="flex min-w-0 flex-col rounded-lg border border-ink-muted/20 bg-surface"
    >
      <h2
        id={headingId}
        className="flex items-baseline justify-between gap-2 border-b border-ink-muted/20 px-2 py-2 text-sm"
      >
        <StateBadge state={state} />
        <span data-testid="column-count" className="tabular-nums text-ink-muted">
          {count === undefined ? "…" : count.toLocaleString("en")}
          <span className="sr-only"> tasks</span>
        </span>
      </h2>
      <div
        ref={scrollRef}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the keyboard must be able to scroll it
        tabIndex={0}
        className="h-[calc(100vh-15rem)] min-h-80 overflow-y-auto p-2"
      >
        {query.isError && (
          <p role="alert" className="text-sm text-danger">
            Could not load {label.toLowerCase()} tasks: {errorMessage(query.error)}
          </p>
        )}
        {query.isSuccess && tasks.length === 0 && (
          <p className="text-sm text-ink-muted">No {label.toLowerCase()} tasks.</p>
        )}
        <ul className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const task = tasks[item.index];
            if (!task) return null;
            return (
              <li
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="absolute top-0 left-0 w-full"
                style={{ transform: `translateY(${item.start}px)` }}
                aria-setsize={count ?? tasks.length}
                aria-posinset={item.index + 1}
              >
                <TaskCard task={task} agentNames={agentNames} now={now} />
              </li>
            );
          })}
        </ul>
        {isFetchingNextPage && <p className="py-2 text-center text-xs text-ink-muted">Loading…</p>}
      </div>
    </section>
  );
}
