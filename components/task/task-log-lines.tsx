"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useRef, useState } from "react";
import { lineTime } from "@/lib/task-log/format";
import type { LogLine } from "@/server/logs/read";

const LEVEL_CLASS: Record<LogLine["level"], string> = {
  debug: "text-ink-muted",
  info: "text-ink",
  warn: "font-semibold text-ink",
  error: "font-semibold text-danger",
};

/** A folded line's height: text-xs's 16 px line and 2 px above and below. */
const ROW_PX = 20;
/** Lines longer than this (or of several lines) can be unfolded to be read whole. */
const FOLD_CHARS = 160;

const estimateSize = () => ROW_PX;

const isLong = (line: LogLine) =>
  line.message.length > FOLD_CHARS || line.message.includes("\n") || line.fields !== null;

/**
 * The lines of a log, virtualised: only the rows in view are in the DOM, so 100,000 lines
 * scroll like 100. Every row is one line high, its text cut at the panel's edge, so the list
 * never measures rows while scrolling (a measured row costs the virtualiser work and moves the
 * rows after it, which made 100,000 lines judder); a long line's button unfolds it, and only
 * unfolded rows are measured. Text is rendered as React text children, never as HTML. While
 * `follow` is on, new lines scroll into view.
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
  const [unfolded, setUnfolded] = useState<ReadonlySet<number>>(() => new Set());
  const toggle = (seq: number) =>
    setUnfolded((current) => {
      const next = new Set(current);
      if (!next.delete(seq)) next.add(seq);
      return next;
    });
  // Stable while scrolling: a new key function makes the virtualiser recompute every row's
  // position, 100,000 of them a frame. An unfolded row has a key of its own, so its measured
  // height never outlives the unfolding.
  const getItemKey = useCallback(
    (index: number) => {
      const seq = lines[index]?.seq ?? -index;
      return unfolded.has(seq) ? `${seq}+` : seq;
    },
    [lines, unfolded],
  );
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    overscan: 20,
    getItemKey,
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
          const open = unfolded.has(line.seq);
          const long = isLong(line);
          return (
            <li
              key={item.key}
              data-index={item.index}
              ref={open ? virtualizer.measureElement : undefined}
              data-testid="log-line"
              data-level={line.level}
              className="absolute top-0 left-0 grid w-full grid-cols-[1rem_7.5rem_3.5rem_1fr] gap-2 overflow-hidden px-2 py-0.5 hover:bg-ink-muted/10"
              style={{
                transform: `translateY(${item.start}px)`,
                height: open ? undefined : ROW_PX,
              }}
            >
              {long ? (
                <button
                  type="button"
                  aria-expanded={open}
                  aria-label={open ? "Fold the line" : "Show the whole line"}
                  onClick={() => toggle(line.seq)}
                  className="text-ink-muted hover:text-ink"
                >
                  {open ? "▾" : "▸"}
                </button>
              ) : (
                <span />
              )}
              <time dateTime={line.at} className="tabular-nums text-ink-muted">
                {lineTime(line.at)}
              </time>
              <span className={LEVEL_CLASS[line.level]}>{line.level.toUpperCase()}</span>
              <span
                className={open ? "min-w-0 whitespace-pre-wrap break-words" : "min-w-0 truncate"}
              >
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
