import { type SQL, sql } from "drizzle-orm";

/**
 * Durations are counted in buckets of a √2 scale of milliseconds: bucket 0 holds everything
 * under 1 ms, bucket i ≥ 1 holds [2^((i-1)/2), 2^(i/2)) ms, and the last one everything from
 * 2^31 ms (about 25 days) up. A percentile read from the counts is within a factor √2 of the
 * true value, which is what a chart of p50/p95 needs, and the counts of any minutes add up.
 */
export const HISTOGRAM_BUCKETS = 64;

/** A zero histogram as an SQL array literal of the given element type. */
export const emptyHistogram = (type: "int4" | "int8") =>
  sql.raw(`array_fill(0::${type}, array[${HISTOGRAM_BUCKETS}])`);

/** The bucket index (0-based) of a duration in ms, or null for null. */
export function bucketIndexSql(ms: SQL): SQL {
  return sql`case when ${ms} is null then null when ${ms} < 1 then 0
    else least(${HISTOGRAM_BUCKETS - 1}, floor(2 * ln(${ms}) / ln(2))::int + 1) end`;
}

/** Bounds of bucket `index` in ms; the last one's upper bound is its lower bound × √2. */
export function bucketBoundsMs(index: number): { lower: number; upper: number } {
  if (index <= 0) return { lower: 0, upper: 1 };
  return { lower: 2 ** ((index - 1) / 2), upper: 2 ** (index / 2) };
}

/** The bucket a duration in ms falls in, as bucketIndexSql computes it. */
export function bucketIndex(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(HISTOGRAM_BUCKETS - 1, Math.floor((2 * Math.log(ms)) / Math.log(2)) + 1);
}

/** Element-wise sum of histograms (shorter ones count as zeros). */
export function addHistograms(target: number[], source: readonly number[]): number[] {
  for (let i = 0; i < source.length; i++) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
  return target;
}

export const histogramCount = (counts: readonly number[]) =>
  counts.reduce((sum, count) => sum + count, 0);

/**
 * The q-quantile (0 < q ≤ 1) in seconds, interpolated linearly inside the bucket that holds
 * its rank; null for an empty histogram.
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = histogramCount(counts);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const { lower, upper } = bucketBoundsMs(i);
      const fraction = Math.min(1, Math.max(0, (rank - below) / count));
      return (lower + (upper - lower) * fraction) / 1000;
    }
    below += count;
  }
  return bucketBoundsMs(counts.length - 1).upper / 1000;
}
