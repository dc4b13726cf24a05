import type { BenchSettings } from "../cli";
import { runHistoryComparison } from "../history";
import { startBenchEnvironment } from "../setup";
import { figure, log } from "../stats";
import { throughputParams } from "./throughput";

/**
 * The throughput drain on an empty database and then with 1,000,000 finished tasks and
 * 3,000,000 events seeded, on a server of its own; the ratios compare the two, back to back.
 * `printEmpty`: also print the empty drain's figures as `throughput` and `claim_p99_ms` (the
 * full run has printed its own; `--only history` has not).
 */
export async function historyFigures(settings: BenchSettings, printEmpty: boolean) {
  const env = await startBenchEnvironment();
  try {
    const result = await runHistoryComparison(env, {
      throughput: throughputParams(settings),
      drains: settings.quick ? 2 : 3,
    });
    log(`history detail: ${JSON.stringify(result)}`);
    if (printEmpty) {
      figure("throughput", result.empty.throughput, "tasks/s");
      figure("claim_p99_ms", result.empty.claimP99Ms, "ms");
    }
    figure("throughput_1m_history", result.history.throughput, "tasks/s");
    figure("claim_p99_1m_history_ms", result.history.claimP99Ms, "ms");
    // Same server, same run: the empty drains measured just before the seeding.
    figure("throughput_1m_history_ratio", result.history.throughput / result.empty.throughput, "x");
    figure("claim_p99_1m_history_ratio", result.history.claimP99Ms / result.empty.claimP99Ms, "x");
  } finally {
    await env.close();
  }
}
