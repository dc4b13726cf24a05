import type { BenchSettings } from "../cli";
import { runHistoryComparison } from "../history";
import { PROFILE_PG_SETTINGS, resetStatements } from "../profile";
import { startBenchEnvironment } from "../setup";
import {
  addRelationDelta,
  addStatements,
  logStatementComparison,
  relationBlocks,
  type StatementSnapshot,
} from "../statement-diff";
import { figure, log } from "../stats";
import { throughputParams } from "./throughput";

/**
 * The throughput drain on an empty database, then with 1,000,000 finished tasks and 3,000,000
 * events seeded, then on an empty database again, on a server of its own; the ratios compare
 * the history's drains with the empty ones on either side of them.
 * `printEmpty`: also print the empty drain's figures as `throughput` and `claim_p99_ms` (the
 * full run has printed its own; `--only history` has not). `profileStatements` (`--only history
 * --profile`): the measured drains' statements, empty and with history side by side.
 */
export async function historyFigures(
  settings: BenchSettings,
  printEmpty: boolean,
  profileStatements = false,
) {
  const env = await startBenchEnvironment(
    profileStatements ? { pgSettings: PROFILE_PG_SETTINGS } : undefined,
  );
  try {
    // Per phase. One drain of 20,000 tasks ran anywhere between 5,900 and 10,300 tasks/s in
    // one run: the median of five (three with --quick) keeps a ratio from turning on one.
    const drains = settings.quick ? 3 : 5;
    const statements = { empty: new Map(), "1m history": new Map() } satisfies Record<
      string,
      StatementSnapshot
    >;
    let relationsBefore: StatementSnapshot = new Map();
    const result = await runHistoryComparison(env, {
      throughput: throughputParams(settings),
      drains,
      // Each measured drain's statements (the agents' and the server's timers'), summed per side.
      phase: profileStatements
        ? async (label, name, edge) => {
            if (name !== "drain") return;
            if (edge === "start") {
              await resetStatements(env.postgres.url);
              relationsBefore = await relationBlocks(env.postgres.url);
            } else {
              await addStatements(env.postgres.url, statements[label]);
              const after = await relationBlocks(env.postgres.url);
              addRelationDelta(statements[label], relationsBefore, after);
            }
          }
        : undefined,
    });
    log(`history detail: ${JSON.stringify(result)}`);
    if (profileStatements) {
      const drained = throughputParams(settings).tasks * drains;
      logStatementComparison(
        ["empty", "1m history"],
        [statements.empty, statements["1m history"]],
        // The empty drains run before the history and again after it.
        [drained * 2, drained],
      );
    }
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
