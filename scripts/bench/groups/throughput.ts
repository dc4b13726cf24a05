import type { BenchSettings } from "../cli";
import { ensurePeerHarness, graphileThroughput } from "../graphile";
import { type BenchEnvironment, startBenchEnvironment } from "../setup";
import { figure, log, quantile } from "../stats";
import { runThroughput, type ThroughputParams, type ThroughputResult } from "../throughput";

/** The drain's sizes; also the history comparison's drains and --profile's. */
export function throughputParams(settings: BenchSettings): ThroughputParams {
  return {
    tasks: settings.tasks,
    workers: settings.workers,
    concurrency: settings.concurrency(),
    claimBatch: settings.claimBatch(),
    submitChunk: settings.submitChunk(),
    completeBatchMs: 2,
    timeoutMs: 240_000,
    claimOnComplete: settings.claimOnComplete,
  };
}

/**
 * How many times each side drains (ours on one server, graphile-worker's harness in a fresh
 * database each time), the better run counting: a single run on a 2-core machine swung the
 * ratio between 0.23× and 0.48× from one bench to the next, while a background task or a cold
 * JIT landed on one side's only run. Both sides get the same number of tries.
 */
export const DRAIN_RUNS = 2;

/** `DRAIN_RUNS` drains on `env`, each printed; the best one's result. */
export async function bestDrain(
  env: BenchEnvironment,
  params: ThroughputParams,
): Promise<ThroughputResult> {
  let best: ThroughputResult | undefined;
  for (let run = 1; run <= DRAIN_RUNS; run++) {
    const drain = await runThroughput(env, params);
    log(`throughput drain ${run} of ${DRAIN_RUNS}: ${drain.throughput.toFixed(0)} tasks/s`);
    if (!best || drain.throughput > best.throughput) best = drain;
  }
  if (!best) throw new Error("DRAIN_RUNS must be at least 1");
  return best;
}

/** graphile-worker's best of `DRAIN_RUNS` runs in `mode`, jobs/s. */
export async function bestGraphile(
  env: BenchEnvironment,
  jobs: number,
  mode: "default" | "tuned",
): Promise<number> {
  const runs: number[] = [];
  for (let run = 1; run <= DRAIN_RUNS; run++)
    runs.push(await graphileThroughput({ adminUrl: env.adminUrl, jobs, mode, concurrency: 10 }));
  log(`graphile-worker ${mode} runs: ${runs.map((rate) => rate.toFixed(0)).join(", ")} jobs/s`);
  return Math.max(...runs);
}

/**
 * The drain's figures. `submitRate`: the full run and --profile print `submit_rate` first,
 * `--only throughput` does not.
 */
export function printDrainFigures(throughput: ThroughputResult, submitRate: boolean) {
  log(`throughput detail: ${JSON.stringify(throughput.detail)}`);
  if (submitRate) figure("submit_rate", throughput.submitRate, "tasks/s");
  figure("throughput", throughput.throughput, "tasks/s");
  figure("claim_p99_ms", quantile(throughput.claimMs, 0.99), "ms");
}

/** The best drain and the tuned peer's best beside it (`--only throughput`). */
export async function throughputOnly(settings: BenchSettings) {
  if (!settings.skipGraphile) await ensurePeerHarness();
  const env = await startBenchEnvironment();
  try {
    const throughput = await bestDrain(env, throughputParams(settings));
    printDrainFigures(throughput, false);
    if (settings.skipGraphile) return;
    await env.server.stop();
    const tuned = await bestGraphile(env, settings.tasks, "tuned");
    figure("graphile_tuned", tuned, "jobs/s");
    figure("ratio_vs_graphile_tuned", throughput.throughput / tuned, "x");
  } finally {
    await env.close();
  }
}

/**
 * The full run's peer figures: graphile-worker default and tuned on the same PostgreSQL (best
 * of DRAIN_RUNS each), and our best drain's ratio to each. Stops our server, which would only
 * compete for the two cores.
 */
export async function graphileFigures(
  env: BenchEnvironment,
  settings: BenchSettings,
  drainThroughput: number,
) {
  await env.server.stop();
  const graphile = { default: 0, tuned: 0 };
  // Tuned first, next to our drains: the ratio the issue sets a target on.
  for (const mode of ["tuned", "default"] as const) {
    log(`graphile-worker ${mode}: ${settings.tasks} jobs, concurrency 10`);
    graphile[mode] = await bestGraphile(env, settings.tasks, mode);
  }
  figure("graphile_default", graphile.default, "jobs/s");
  figure("graphile_tuned", graphile.tuned, "jobs/s");
  figure("ratio_vs_graphile_default", drainThroughput / graphile.default, "x");
  figure("ratio_vs_graphile_tuned", drainThroughput / graphile.tuned, "x");
}
