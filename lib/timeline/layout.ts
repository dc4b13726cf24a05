/**
 * The timeline's geometry, apart from React: which rows in which order, and where each bar
 * goes. Times are epoch milliseconds; x is a fraction of the plot's width (0..1), so the same
 * layout serves any width.
 */

export type AttemptOutcome = "running" | "succeeded" | "failed" | "retried" | "cancelled";

export interface TimelineAttemptInput {
  epoch: number;
  queuedAt: string | null;
  claimedAt: string;
  endedAt: string | null;
  outcome: AttemptOutcome;
}

export interface TimelineTaskInput {
  id: string;
  name: string;
  createdAt: string;
  queuedAt: string | null;
  /** Waiting for this signal: its open wait is drawn and named as such. */
  waitSignal?: string | null;
  attempts: readonly TimelineAttemptInput[];
}

export type TimelineSort = "start" | "name";

/**
 * One bar: `kind` "wait" is the queued time before a claim (or still waiting), drawn lighter;
 * "signal" the open wait of a task waiting for a signal (`signal` names it).
 */
export interface TimelineBar {
  kind: "wait" | "run" | "signal";
  signal?: string;
  startMs: number;
  endMs: number;
  /** The run's outcome; for a wait, the outcome of the attempt it led to ("running" if none). */
  outcome: AttemptOutcome;
  /** 1-based attempt number; 0 for a wait that no claim has ended yet. */
  attempt: number;
  /** Still open: it ends at "now" and grows with it. */
  open: boolean;
}

export interface TimelineRow<T extends TimelineTaskInput = TimelineTaskInput> {
  task: T;
  bars: TimelineBar[];
  /** The earliest bar's start, or null for a task that never waited nor ran. */
  startMs: number | null;
}

export interface TimeRange {
  startMs: number;
  endMs: number;
}

/** Each task's bars: per attempt its wait (if known) and its run; then any wait still open. */
export function barsOf(task: TimelineTaskInput, nowMs: number): TimelineBar[] {
  const bars: TimelineBar[] = [];
  task.attempts.forEach((attempt, index) => {
    const claimed = Date.parse(attempt.claimedAt);
    if (attempt.queuedAt !== null) {
      const queued = Date.parse(attempt.queuedAt);
      if (queued < claimed) {
        bars.push({
          kind: "wait",
          startMs: queued,
          endMs: claimed,
          outcome: attempt.outcome,
          attempt: index + 1,
          open: false,
        });
      }
    }
    const open = attempt.endedAt === null;
    bars.push({
      kind: "run",
      startMs: claimed,
      endMs: open ? Math.max(claimed, nowMs) : Date.parse(attempt.endedAt ?? attempt.claimedAt),
      outcome: attempt.outcome,
      attempt: index + 1,
      open,
    });
  });
  if (task.queuedAt !== null) {
    const queued = Date.parse(task.queuedAt);
    bars.push({
      kind: task.waitSignal ? "signal" : "wait",
      ...(task.waitSignal ? { signal: task.waitSignal } : {}),
      startMs: queued,
      endMs: Math.max(queued, nowMs),
      outcome: "running",
      attempt: 0,
      open: true,
    });
  }
  return bars;
}

/**
 * The rows in display order. By start: the tasks that started first on top, those that never
 * did at the bottom in name order; by name: alphabetical (numbers in names compared as
 * numbers, so "step 2" comes before "step 10"). Ties keep the input order.
 */
export function timelineRows<T extends TimelineTaskInput>(
  tasks: readonly T[],
  sort: TimelineSort,
  nowMs: number,
): TimelineRow<T>[] {
  const rows = tasks.map((task): TimelineRow<T> => {
    const bars = barsOf(task, nowMs);
    const first = bars[0];
    return { task, bars, startMs: first ? Math.min(...bars.map((bar) => bar.startMs)) : null };
  });
  const byName = (a: TimelineRow<T>, b: TimelineRow<T>) =>
    COLLATOR.compare(a.task.name, b.task.name);
  if (sort === "name") return rows.sort(byName);
  return rows.sort((a, b) => {
    if (a.startMs === null || b.startMs === null) {
      if (a.startMs === b.startMs) return byName(a, b);
      return a.startMs === null ? 1 : -1;
    }
    return a.startMs - b.startMs;
  });
}

const COLLATOR = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/**
 * The span to draw: from the first bar to the last, or to now while anything is open. A run
 * with no bar yet (nothing queued or claimed) has no range: the view says so instead.
 */
export function timeRange(rows: readonly TimelineRow[], nowMs: number): TimeRange | null {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    for (const bar of row.bars) {
      start = Math.min(start, bar.startMs);
      end = Math.max(end, bar.open ? nowMs : bar.endMs);
    }
  }
  if (!Number.isFinite(start)) return null;
  // A zero-length range (a single instant) would divide by zero: give it one second.
  return { startMs: start, endMs: Math.max(end, start + 1_000) };
}

/** Where `ms` falls in the range, as a fraction of the width, clamped to 0..1. */
export function xOf(ms: number, range: TimeRange): number {
  const fraction = (ms - range.startMs) / (range.endMs - range.startMs);
  return Math.min(1, Math.max(0, fraction));
}

const TICK_STEPS_MS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
  1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

/**
 * Axis ticks at a round step (1 s, 5 s, 1 min, …, 1 d) giving at most `max` ticks, aligned to
 * multiples of the step from the range's start.
 */
export function ticks(range: TimeRange, max = 8): { ms: number; offsetMs: number }[] {
  const span = range.endMs - range.startMs;
  const step =
    TICK_STEPS_MS.find((candidate) => span / candidate <= max) ??
    Math.ceil(span / max / 86_400_000) * 86_400_000;
  const result: { ms: number; offsetMs: number }[] = [];
  for (let offset = 0; offset <= span; offset += step) {
    result.push({ ms: range.startMs + offset, offsetMs: offset });
  }
  return result;
}
