import type { BenchSettings } from "../cli";
import type { BenchEnvironment } from "../setup";
import { runSignalLatency } from "../signals";
import { figure, log } from "../stats";

/** A signal's acknowledgement to the claim of the task after its gate (`--only signals`). */
export async function signalFigures(env: BenchEnvironment, settings: BenchSettings) {
  const signals = await runSignalLatency(env, {
    rounds: settings.signalRounds(),
    workers: settings.workers,
    timeoutMs: 30_000,
  });
  log(`signals detail: ${JSON.stringify(signals)}`);
  figure("signal_to_dependent_claim_p50_ms", signals.claim.p50, "ms");
  figure("signal_to_dependent_claim_p99_ms", signals.claim.p99, "ms");
}
