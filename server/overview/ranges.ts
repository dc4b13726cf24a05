/** The overview's ranges: each drawn with at most ~300 buckets, as a chart can show them. */
export const OVERVIEW_RANGES = {
  "15m": { minutes: 15, stepS: 60 },
  "1h": { minutes: 60, stepS: 60 },
  "24h": { minutes: 24 * 60, stepS: 5 * 60 },
  "7d": { minutes: 7 * 24 * 60, stepS: 60 * 60 },
} as const;

export type OverviewRange = keyof typeof OVERVIEW_RANGES;

/** The steps the rollup keeps buckets of: one per distinct chart step. */
export const ROLLUP_STEPS_S: readonly number[] = [
  ...new Set(Object.values(OVERVIEW_RANGES).map((range) => range.stepS)),
];
export const OVERVIEW_RANGE_NAMES = Object.keys(OVERVIEW_RANGES) as [
  OverviewRange,
  ...OverviewRange[],
];

export interface RangeWindow {
  stepMs: number;
  /** Start of the first bucket (epoch ms); the last bucket holds `nowMs`. */
  fromMs: number;
  /** Start of each bucket, oldest first. */
  buckets: number[];
}

/** The buckets of `range` ending with the one that holds `nowMs`, aligned to the step. */
export function rangeWindow(range: OverviewRange, nowMs: number): RangeWindow {
  const { minutes, stepS } = OVERVIEW_RANGES[range];
  const stepMs = stepS * 1000;
  const count = Math.ceil((minutes * 60) / stepS);
  const last = Math.floor(nowMs / stepMs) * stepMs;
  const buckets = Array.from({ length: count }, (_, i) => last - (count - 1 - i) * stepMs);
  return { stepMs, fromMs: buckets[0] ?? last, buckets };
}
