"use client";

import { useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { criticalPath } from "@/lib/graph/critical-path";
import { useNow } from "@/lib/hooks/use-now";
import { formatClock, formatDuration } from "@/lib/runs/format";
import {
  type TimelineBar,
  type TimelineSort,
  ticks,
  timelineRows,
  timeRange,
  xOf,
} from "@/lib/timeline/layout";
import { TIMELINE_RENDERED_MARK } from "@/lib/timeline/marks";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";

const ROW_PX = 24;

/** Run bars by outcome: colour plus a pattern-free label in the tooltip, never colour alone. */
const RUN_TONE: Record<TimelineBar["outcome"], string> = {
  running: "bg-amber-500",
  succeeded: "bg-emerald-600",
  failed: "bg-red-600",
  retried: "bg-red-400",
  cancelled: "bg-zinc-500",
};

const OUTCOME_WORD: Record<TimelineBar["outcome"], string> = {
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  retried: "failed, retried",
  cancelled: "cancelled",
};

function barLabel(bar: TimelineBar): string {
  const span = `${formatClock(bar.startMs, { seconds: true })} → ${bar.open ? "now" : formatClock(bar.endMs, { seconds: true })} (${formatDuration((bar.endMs - bar.startMs) / 1000)})`;
  if (bar.kind === "signal") return `Waiting for signal "${bar.signal ?? ""}": ${span}`;
  if (bar.kind === "wait") {
    return bar.attempt === 0
      ? `Queued, waiting: ${span}`
      : `Queued before attempt ${bar.attempt}: ${span}`;
  }
  return `Attempt ${bar.attempt}, ${OUTCOME_WORD[bar.outcome]}: ${span}`;
}

/**
 * The run as a Gantt chart: one row per task, per attempt its queued wait (lighter) and its run
 * from claim to end, coloured by outcome; the critical path marked; a "now" line while it
 * runs. Rows are virtualised: a 2,000-task run draws only what is on screen.
 */
export function RunTimeline({ workflowId }: { workflowId: string }) {
  const trpc = useTRPC();
  const timeline = useQuery(trpc.workflows.timeline.queryOptions({ id: workflowId }));
  const graph = useQuery(trpc.workflows.get.queryOptions({ id: workflowId }));
  const [sort, setSort] = useState<TimelineSort>("start");
  const sortId = useId();
  const now = useNow();
  const scrollRef = useRef<HTMLElement>(null);

  // Against the server's clock at the last fetch, moved on by the browser's since then: a
  // skewed browser clock must not draw bars into the future.
  const fetchedAt = timeline.dataUpdatedAt;
  const serverNow = timeline.data ? Date.parse(timeline.data.now) : now;
  const nowMs = serverNow + Math.max(0, now - fetchedAt);

  const tasks = timeline.data?.tasks;
  const rows = useMemo(() => timelineRows(tasks ?? [], sort, nowMs), [tasks, sort, nowMs]);
  const range = useMemo(() => timeRange(rows, nowMs), [rows, nowMs]);
  const critical = useMemo(() => {
    if (!graph.data) return new Set<string>();
    return criticalPath(graph.data.tasks, graph.data.edges, serverNow).taskIds;
  }, [graph.data, serverNow]);
  const anyOpen = rows.some((row) => row.bars.some((bar) => bar.open));

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
    getItemKey: (index) => rows[index]?.task.id ?? index,
    initialRect: { width: 800, height: 480 },
  });

  const drawn = timeline.isSuccess;
  useEffect(() => {
    if (!drawn || performance.getEntriesByName(TIMELINE_RENDERED_MARK).length > 0) return;
    // The frame after the one that committed the rows: when they are on screen.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => performance.mark(TIMELINE_RENDERED_MARK)),
    );
  }, [drawn]);

  if (timeline.isPending) return <p role="status">Loading the timeline…</p>;
  if (timeline.isError) {
    return (
      <p role="alert" className="text-danger">
        The timeline could not be loaded: {errorMessage(timeline.error)}
      </p>
    );
  }
  const started = rows.some((row) => row.task.attempts.length > 0);

  return (
    <div className="flex flex-col gap-2" data-testid="run-timeline" data-rows={rows.length}>
      <div className="flex flex-wrap items-center gap-4 text-sm">
        <div className="flex items-center gap-2">
          <label htmlFor={sortId}>Sort rows by</label>
          <select
            id={sortId}
            value={sort}
            onChange={(event) => setSort(event.target.value === "name" ? "name" : "start")}
            className="rounded border border-ink-muted/40 bg-surface-raised px-2 py-1"
          >
            <option value="start">start</option>
            <option value="name">name</option>
          </select>
        </div>
        <TimelineLegend />
      </div>
      {!started && (
        <p role="status" data-testid="timeline-not-started" className="text-ink-muted">
          No task of this run has started yet: each claim will add a bar here.
        </p>
      )}
      {range && (
        <div className="rounded border border-ink-muted/20">
          <div className="flex border-b border-ink-muted/20 text-xs text-ink-muted">
            <div className="w-56 shrink-0 px-2 py-1">Task</div>
            <div className="relative h-6 flex-1" aria-hidden="true">
              {ticks(range).map((tick) => (
                <span
                  key={tick.offsetMs}
                  className="absolute top-1 -translate-x-1/2 tabular-nums"
                  style={{ left: `${xOf(tick.ms, range) * 100}%` }}
                >
                  +{formatDuration(tick.offsetMs / 1000)}
                </span>
              ))}
            </div>
          </div>
          <section
            ref={scrollRef}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: the keyboard must be able to scroll it
            tabIndex={0}
            className="relative h-[28rem] overflow-y-auto"
            aria-label="Timeline rows"
          >
            <ul
              className="relative w-full"
              style={{ height: virtualizer.getTotalSize() }}
              aria-label="Tasks over time"
            >
              {virtualizer.getVirtualItems().map((item) => {
                const row = rows[item.index];
                if (!row) return null;
                const onPath = critical.has(row.task.id);
                return (
                  <li
                    key={item.key}
                    className="absolute top-0 left-0 flex w-full items-center"
                    style={{ height: ROW_PX, transform: `translateY(${item.start}px)` }}
                    aria-setsize={rows.length}
                    aria-posinset={item.index + 1}
                    data-testid="timeline-row"
                    data-task-id={row.task.id}
                    data-critical={onPath ? "true" : "false"}
                  >
                    <Link
                      href={`/tasks/${row.task.id}`}
                      className="w-56 shrink-0 truncate px-2 text-xs underline-offset-2 hover:underline"
                      title={row.task.name}
                    >
                      {onPath && (
                        <span className="font-bold text-accent" title="On the critical path">
                          ◆<span className="sr-only"> critical path:</span>{" "}
                        </span>
                      )}
                      {row.task.name}
                    </Link>
                    <div className="relative h-full flex-1">
                      {row.bars.map((bar) => {
                        const left = xOf(bar.startMs, range);
                        const width = Math.max(xOf(bar.endMs, range) - left, 0.002);
                        const label = barLabel(bar);
                        return (
                          <span
                            key={`${bar.kind}-${bar.attempt}-${bar.startMs}`}
                            role="img"
                            aria-label={`${row.task.name}: ${label}`}
                            title={label}
                            data-testid="timeline-bar"
                            data-kind={bar.kind}
                            data-outcome={bar.outcome}
                            className={`absolute top-1 bottom-1 rounded-sm ${bar.kind === "wait" ? "bg-ink-muted/25" : bar.kind === "signal" ? "bg-fuchsia-500/40" : RUN_TONE[bar.outcome]} ${onPath && bar.kind === "run" ? "ring-2 ring-accent" : ""}`}
                            style={{ left: `${left * 100}%`, width: `${width * 100}%` }}
                          />
                        );
                      })}
                    </div>
                  </li>
                );
              })}
            </ul>
            {anyOpen && (
              <div
                aria-hidden="true"
                data-testid="timeline-now"
                className="pointer-events-none absolute top-0 w-px bg-red-600"
                style={{
                  height: virtualizer.getTotalSize(),
                  left: `calc(14rem + (100% - 14rem) * ${xOf(nowMs, range)})`,
                }}
              />
            )}
          </section>
        </div>
      )}
    </div>
  );
}

function TimelineLegend() {
  return (
    <ul className="flex flex-wrap gap-3 text-xs" aria-label="Timeline legend">
      <li className="flex items-center gap-1">
        <span aria-hidden="true" className="inline-block h-3 w-5 rounded-sm bg-ink-muted/25" />
        queued
      </li>
      {(["running", "succeeded", "retried", "failed", "cancelled"] as const).map((outcome) => (
        <li key={outcome} className="flex items-center gap-1">
          <span
            aria-hidden="true"
            className={`inline-block h-3 w-5 rounded-sm ${RUN_TONE[outcome]}`}
          />
          {OUTCOME_WORD[outcome]}
        </li>
      ))}
      <li className="flex items-center gap-1">
        <span aria-hidden="true" className="font-bold text-accent">
          ◆
        </span>
        critical path
      </li>
    </ul>
  );
}
