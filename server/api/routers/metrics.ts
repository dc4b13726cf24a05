import { z } from "zod";
import { agentStatus } from "@/server/metrics/agent-status";
import { durationPercentiles } from "@/server/metrics/durations";
import { failureRate } from "@/server/metrics/failure-rate";
import { headline } from "@/server/metrics/headline";
import { taskCountsByState } from "@/server/metrics/task-counts";
import { throughputPerMinute } from "@/server/metrics/throughput";
import { UTILISATION_RANGE_NAMES, utilisation } from "@/server/metrics/utilisation";
import { readOverview } from "@/server/overview/overview";
import { OVERVIEW_RANGE_NAMES } from "@/server/overview/ranges";
import { createTRPCRouter, viewerProcedure } from "../trpc";

/** Minutes back from now. Capped at a day: dashboards poll these every few seconds. */
const minutes = z
  .number()
  .int()
  .min(1)
  .max(24 * 60);

export const metricsRouter = createTRPCRouter({
  /** `{state: count}` for every task state. */
  taskCounts: viewerProcedure.query(({ ctx }) => taskCountsByState(ctx.db)),

  /** Tasks finished per minute by outcome, one zero-filled point per minute. */
  throughput: viewerProcedure
    .input(z.strictObject({ sinceMinutes: minutes.default(60) }).prefault({}))
    .query(({ ctx, input }) => throughputPerMinute(ctx.db, input)),

  /** Queue wait and run time p50/p90/p99 (seconds) per task type, over finished tasks. */
  durations: viewerProcedure
    .input(z.strictObject({ sinceMinutes: minutes.default(60) }).prefault({}))
    .query(({ ctx, input }) => durationPercentiles(ctx.db, input)),

  /** failed / (succeeded + failed) over the window, with the counts; rate null if none. */
  failureRate: viewerProcedure
    .input(z.strictObject({ windowMinutes: minutes.default(60) }).prefault({}))
    .query(({ ctx, input }) => failureRate(ctx.db, input)),

  /** Utilisation series per pool and per agent resource over 15 min, 1 h or 24 h. */
  utilisation: viewerProcedure
    .input(z.strictObject({ range: z.enum(UTILISATION_RANGE_NAMES).default("1h") }).prefault({}))
    .query(({ ctx, input }) => utilisation(ctx.db, input)),

  /** Agents by status, and each one's heartbeat age. */
  agents: viewerProcedure.query(({ ctx }) => agentStatus(ctx.db)),

  /**
   * The overview page's charts over 15 min, 1 h, 24 h or 7 d, from the per-minute rollup
   * (server/overview/): throughput, queue depth, wait and run times, busiest agents and pools.
   */
  overview: viewerProcedure
    .input(z.strictObject({ range: z.enum(OVERVIEW_RANGE_NAMES).default("1h") }).prefault({}))
    .query(({ ctx, input }) => readOverview(ctx.db, input)),

  /** The wall screen's figures: running, queued, blocked, failed in the last hour, throughput. */
  headline: viewerProcedure.query(({ ctx }) => headline(ctx.db)),
});
