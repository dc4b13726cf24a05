import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { isoFromMs } from "./time";
import { heldPerBucket, seriesKey } from "./utilisation-buckets";
import { type CurrentUsage, currentUtilisation } from "./utilisation-current";

/** The dashboard's range picker. Steps divide evenly into minutes, so bucket edges look round. */
export const UTILISATION_RANGES = {
  "15m": { seconds: 15 * 60, buckets: 60 },
  "1h": { seconds: 60 * 60, buckets: 60 },
  "24h": { seconds: 24 * 60 * 60, buckets: 96 },
} as const;
export type UtilisationRange = keyof typeof UTILISATION_RANGES;
export const UTILISATION_RANGE_NAMES = Object.keys(UTILISATION_RANGES) as [
  UtilisationRange,
  ...UtilisationRange[],
];

export interface UtilisationParams {
  range: UtilisationRange;
  /** End of the range; default the database's now. For tests and replays. */
  now?: Date;
}

export interface UtilisationPoint {
  /** ISO 8601: a bucket's start, or for the closing point, the end of the range. */
  at: string;
  /** Time-weighted average held over the bucket; for the closing point, held now. */
  held: number;
  /** held / the series' capacity now (capacity keeps no history). */
  ratio: number;
}

/** One series; `held` and `ratio` are the current values, as on the closing point. */
export interface UtilisationSeries extends CurrentUsage {
  points: UtilisationPoint[];
}

export interface UtilisationResult {
  range: UtilisationRange;
  stepSeconds: number;
  from: string;
  to: string;
  pools: UtilisationSeries[];
  agents: UtilisationSeries[];
}

/**
 * Utilisation over time per pool and per (agent, agent-scoped resource): one point per bucket,
 * the time-weighted average held ÷ capacity computed from allocation intervals (still open ones
 * count up to the end), then a closing point at the end of the range with the current value
 * from `currentUtilisation` — the same number resources.list and agents.list show.
 *
 * Bucket edges are aligned to multiples of the step (UTC), so refreshing every few seconds
 * doesn't shift every bucket; the last bucket is the partial one up to now, averaged over its
 * elapsed part only.
 */
export async function utilisation(
  db: Executor,
  params: UtilisationParams,
): Promise<UtilisationResult> {
  const { seconds, buckets } = UTILISATION_RANGES[params.range];
  const stepMs = (seconds * 1000) / buckets;
  const [nowMs, current] = await Promise.all([
    params.now ? params.now.getTime() : databaseNowMs(db),
    currentUtilisation(db),
  ]);
  const originMs = Math.ceil(nowMs / stepMs) * stepMs - seconds * 1000;
  const held = await heldPerBucket(db, { originMs, nowMs, stepMs });

  const toSeries = (usage: CurrentUsage): UtilisationSeries => {
    const amountSeconds = held.get(seriesKey(usage.resource, usage.agentId));
    const points: UtilisationPoint[] = [];
    for (let i = 0; i < buckets; i++) {
      const start = originMs + i * stepMs;
      // > 0 for every bucket: the grid ends at the first step boundary at or after now.
      const lengthS = (Math.min(start + stepMs, nowMs) - start) / 1000;
      const average = (amountSeconds?.get(i) ?? 0) / lengthS;
      points.push({ at: isoFromMs(start), held: average, ratio: average / usage.capacity });
    }
    points.push({ at: isoFromMs(nowMs), held: usage.held, ratio: usage.ratio });
    return { ...usage, points };
  };

  return {
    range: params.range,
    stepSeconds: stepMs / 1000,
    from: isoFromMs(originMs),
    to: isoFromMs(nowMs),
    pools: current.pools.map(toSeries),
    // An offline agent that held nothing in the range has nothing to draw; agents that come and
    // go would otherwise pile up flat lines.
    agents: current.agents
      .map(toSeries)
      .filter((s) => s.agentStatus !== "offline" || s.points.some((p) => p.held > 0)),
  };
}

/** Whole milliseconds, so the range end survives the round trip as an ISO string. */
async function databaseNowMs(db: Executor): Promise<number> {
  const [row] = await queryRows(
    db,
    "database now",
    z.object({ ms: z.number() }),
    sql`select floor(extract(epoch from now()) * 1000)::float8 as ms`,
  );
  if (!row) throw new Error("utilisation: select now() returned no row");
  return row.ms;
}
