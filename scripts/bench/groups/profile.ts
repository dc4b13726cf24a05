import type { BenchSettings } from "../cli";
import {
  logCpuProfile,
  logTopStatements,
  PROFILE_PG_SETTINGS,
  resetStatements,
  toggleCpuProfile,
  withProfiledServer,
} from "../profile";
import { runThroughput } from "../throughput";
import { hopBreakdown } from "./latency";
import { printDrainFigures, throughputParams } from "./throughput";

/**
 * `--profile` (without `--only latency` or `--only fanout`, which profile their own group):
 * where the throughput run's time goes, database statements and the server's CPU, then a
 * chain hop's breakdown by phase.
 */
export async function throughputProfile(settings: BenchSettings) {
  await withProfiledServer({ pgSettings: PROFILE_PG_SETTINGS }, async (env, server) => {
    const throughput = await runThroughput(env, throughputParams(settings), async (name, edge) => {
      if (name === "drain" && edge === "start") await resetStatements(env.postgres.url);
      toggleCpuProfile(server.pid);
    });
    printDrainFigures(throughput, true);
    await logTopStatements(env.postgres.url);
    await logCpuProfile(server.dir, server.pid, 1, "submit");
    await logCpuProfile(server.dir, server.pid, 2, "drain");
    await hopBreakdown(env, settings, server.phaseFile);
  });
}
