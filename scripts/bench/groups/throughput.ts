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
 * The drain's figures. `submitRate`: the full run and --profile print `submit_rate` first,
 * `--only throughput` does not.
 */
export function printDrainFigures(throughput: ThroughputResult, submitRate: boolean) {
  log(`throughput detail: ${JSON.stringify(throughput.detail)}`);
  if (submitRate) figure("submit_rate", throughput.submitRate, "tasks/s");
  figure("throughput", throughput.throughput, "tasks/s");
  figure("claim_p99_ms", quantile(throughput.claimMs, 0.99), "ms");
}

/** The drain and the tuned peer's figure beside it (`--only throughput`). */
export async function throughputOnly(settings: BenchSettings) {
  if (!settings.skipGraphile) await ensurePeerHarness();
  const env = await startBenchEnvironment();
  try {
    const throughput = await runThroughput(env, throughputParams(settings));
    printDrainFigures(throughput, false);
    if (settings.skipGraphile) return;
    await env.server.stop();
    const tuned = await graphileThroughput({
      adminUrl: env.adminUrl,
      jobs: settings.tasks,
      mode: "tuned",
      concurrency: 10,
    });
    figure("graphile_tuned", tuned, "jobs/s");
    figure("ratio_vs_graphile_tuned", throughput.throughput / tuned, "x");
  } finally {
    await env.close();
  }
}

/**
 * The full run's peer figures: graphile-worker default and tuned on the same PostgreSQL, and
 * our drain's ratio to each. Stops our server, which would only compete for the two cores.
 */
export async function graphileFigures(
  env: BenchEnvironment,
  settings: BenchSettings,
  drainThroughput: number,
) {
  await env.server.stop();
  const graphile = { default: 0, tuned: 0 };
  for (const mode of ["default", "tuned"] as const) {
    log(`graphile-worker ${mode}: ${settings.tasks} jobs, concurrency 10`);
    graphile[mode] = await graphileThroughput({
      adminUrl: env.adminUrl,
      jobs: settings.tasks,
      mode,
      concurrency: 10,
    });
  }
  figure("graphile_default", graphile.default, "jobs/s");
  figure("graphile_tuned", graphile.tuned, "jobs/s");
  figure("ratio_vs_graphile_default", drainThroughput / graphile.default, "x");
  figure("ratio_vs_graphile_tuned", drainThroughput / graphile.tuned, "x");
}
