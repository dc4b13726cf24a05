import type { BenchSettings } from "../cli";
import { runLogBench } from "../logs";
import { startBenchEnvironment } from "../setup";
import { figure, log, quantile } from "../stats";

/** Task logs (`--only logs`): ingest through the SDK while claims flow, and a followed tail. */
export async function logFigures(settings: BenchSettings) {
  const { quick } = settings;
  const env = await startBenchEnvironment();
  try {
    const result = await runLogBench(env, {
      claimRate: settings.claimRate(),
      steadyS: quick ? 6 : 15,
      logRate: settings.logRate(),
      loggingTasks: quick ? 100 : 200,
      linesPerTask: quick ? 1_000 : 2_500,
      claimTasks: quick ? 2_000 : 5_000,
      workers: settings.workers,
      tailLines: quick ? 200 : 500,
      timeoutMs: 300_000,
    });
    log(`logs detail: ${JSON.stringify(result.detail)}`);
    figure("log_ingest_lines_per_s", result.linesPerS, "lines/s");
    figure("claims_alone_per_s", result.steadyAlone.claimsPerS, "tasks/s");
    figure("claims_while_logging_per_s", result.steadyWhileLogging.claimsPerS, "tasks/s");
    figure("claim_p99_alone_ms", quantile(result.steadyAlone.claimMs, 0.99), "ms");
    figure("claim_p99_while_logging_ms", quantile(result.steadyWhileLogging.claimMs, 0.99), "ms");
    figure("log_ingest_saturated_lines_per_s", result.saturated.linesPerS, "lines/s");
    figure("claims_saturated_alone_per_s", result.saturated.claimsPerSAlone, "tasks/s");
    figure(
      "claims_saturated_while_logging_per_s",
      result.saturated.claimsPerSWhileLogging,
      "tasks/s",
    );
    figure("log_tail_p50_ms", quantile(result.tailMs, 0.5), "ms");
    figure("log_tail_p99_ms", quantile(result.tailMs, 0.99), "ms");
  } finally {
    await env.close();
  }
}
