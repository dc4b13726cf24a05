"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import { lineTime } from "@/lib/task-log/format";
import type { LogLine } from "@/server/logs/read";

const LEVEL_CLASS: Record<LogLine["level"], string> = {
  debug: "text-ink-muted",
  info: "text-ink",
  warn: "font-semibold text-ink",
  error: "font-semibold text-danger",
};

/**
 * The lines of a log, virtualised: only the rows in view are in the DOM, so 100,000 lines
 * scroll like 100. Text is rendered as React text children, never as HTML. While `follow` is
 * on, new lines scroll into view.
 */
export function TaskLogLines({
  lines,
  follow,
  version,
  labelledBy,
}: {
  lines: readonly LogLine[];
  follow: boolean;
  /** Changes when lines were added. */
  version: number;
  labelledBy: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 22,
    overscan: 20,
    getItemKey: (index) => lines[index]?.seq ?? index,
    initialRect: { width: 800, height: 448 },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: version marks appended lines
  useEffect(() => {
    if (follow && lines.length > 0) virtualizer.scrollToIndex(lines.length - 1, { align: "end" });
  }, [follow, lines.length, version, virtualizer]);

  return (
    <div
      ref={scrollRef}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the keyboard must be able to scroll it
      tabIndex={0}
      role="tabpanel"
      aria-labelledby={labelledBy}
      data-testid="log-lines"
      data-count={lines.length}
      className="h-[28rem] overflow-y-auto rounded border border-ink-muted/20 bg-surface-raised font-mono text-xs"
    >
      {lines.length === 0 && <p className="p-3 font-sans text-sm text-ink-muted">No lines.</p>}
      <ol className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const line = lines[item.index];
          if (!line) return null;
          return (
            <li
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              data-testid="log-line"
              data-level={line.level}
              className="absolute top-0 left-0 grid w-full grid-cols-[7.5rem_3.5rem_1fr] gap-2 px-2 py-0.5 hover:bg-ink-muted/10"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <time dateTime={line.at} className="tabular-nums text-ink-muted">
                {lineTime(line.at)}
              </time>
              <span className={LEVEL_CLASS[line.level]}>{line.level.toUpperCase()}</span>
              <span className="min-w-0 whitespace-pre-wrap break-words">
                {line.message}
                {line.fields && (
                  <span className="text-ink-muted"> {JSON.stringify(line.fields)}</span>
                )}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
