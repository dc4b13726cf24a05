import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { BenchSettings } from "../cli";
import {
  cpuProfilerEnv,
  logCpuProfile,
  logTopStatements,
  PROFILE_PG_SETTINGS,
  phaseLogEnv,
  resetStatements,
  toggleCpuProfile,
} from "../profile";
import { repoRoot, startBenchEnvironment } from "../setup";
import { runThroughput } from "../throughput";
import { hopBreakdown } from "./latency";
import { printDrainFigures, throughputParams } from "./throughput";

/**
 * `--profile` (without `--only latency` or `--only fanout`, which profile their own group):
 * where the throughput run's time goes, database statements and the server's CPU, then a
 * chain hop's breakdown by phase.
 */
export async function throughputProfile(settings: BenchSettings) {
  // A fresh clone has no .test-data yet.
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const cpuDir = await mkdtemp(path.join(repoRoot, ".test-data", "bench-cpu-"));
  try {
    const phaseFile = path.join(cpuDir, "phases.jsonl");
    const env = await startBenchEnvironment({
      pgSettings: PROFILE_PG_SETTINGS,
      serverEnv: { ...cpuProfilerEnv(cpuDir), ...phaseLogEnv(phaseFile) },
    });
    try {
      const pid = env.serverPid();
      if (pid === undefined) throw new Error("the server's pid file is missing");
      const params = throughputParams(settings);
      const throughput = await runThroughput(env, params, async (name, edge) => {
        if (name === "drain" && edge === "start") await resetStatements(env.postgres.url);
        toggleCpuProfile(pid);
      });
      printDrainFigures(throughput, true);
      await logTopStatements(env.postgres.url);
      await logCpuProfile(cpuDir, pid, 1, "submit");
      await logCpuProfile(cpuDir, pid, 2, "drain");
      await hopBreakdown(env, settings, phaseFile);
    } finally {
      await env.close();
    }
  } finally {
    await rm(cpuDir, { recursive: true, force: true });
  }
}
