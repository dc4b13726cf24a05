import type { BenchSettings } from "../cli";
import { runHopProfile } from "../hop-profile";
import { runLatency } from "../latency";
import {
  logCpuProfile,
  logTopStatements,
  PROFILE_PG_SETTINGS,
  resetStatements,
  toggleCpuProfile,
  withProfiledServer,
} from "../profile";
import type { BenchEnvironment } from "../setup";
import { figure, log } from "../stats";

/** The dependency hop: a chain and a layered DAG through SDK workers (`--only latency`). */
export async function latencyFigures(env: BenchEnvironment, settings: BenchSettings) {
  const latency = await runLatency(env, {
    // A p99 of 1,000 hops is their tenth slowest. Of 200 it was the second: one garbage
    // collection in the server (a scavenge every ~90 hops, 3–8 ms; a full one now and then,
    // 10–15 ms) decided it, 8 to 16 ms between runs of the same code.
    chain: 1000,
    layers: 10,
    width: 50,
    workers: settings.workers,
    timeoutMs: 120_000,
    claimOnComplete: settings.claimOnComplete,
  });
  log(`latency detail: ${JSON.stringify(latency)}`);
  figure("dep_release_p50", latency.chain.release.p50, "ms");
  figure("dep_release_p99", latency.chain.release.p99, "ms");
  figure("dep_release_layered_p50", latency.layered.release.p50, "ms");
  figure("dep_release_layered_p99", latency.layered.release.p99, "ms");
  figure("dep_handler_to_handler_p50", latency.chain.handlerToHandler.p50, "ms");
  figure("dep_handler_to_handler_p99", latency.chain.handlerToHandler.p99, "ms");
}

/**
 * A chain hop's milliseconds by phase, from the server's phase log and the workers' clocks:
 * with the SDK's claimOnComplete off and on, alternated (twice each), so both see the same
 * machine load.
 */
export async function hopBreakdown(env: BenchEnvironment, settings: BenchSettings, file: string) {
  for (const claimOnComplete of [false, true, false, true]) {
    log(`hop breakdown, claimOnComplete ${claimOnComplete ? "on" : "off"}:`);
    await runHopProfile(env, file, {
      chain: 200,
      workers: settings.workers,
      concurrency: 50,
      claimOnComplete,
      timeoutMs: 120_000,
    });
  }
}

/** `--only latency --profile`: the hop breakdown alone. */
export async function hopProfile(settings: BenchSettings) {
  await withProfiledServer({ pgSettings: PROFILE_PG_SETTINGS }, async (env, server) => {
    await hopBreakdown(env, settings, server.phaseFile);
    // One more chain, claimOnComplete on: the server's CPU, what its part of a hop costs, and
    // PostgreSQL's time in each statement, what of the transaction is execution (`# pg:`
    // lines; the rest is the protocol, the commit's flush and waiting for a core).
    await resetStatements(env.postgres.url);
    log("hop breakdown, claimOnComplete on, the server's CPU profiler on (in its CPU per hop):");
    toggleCpuProfile(server.pid);
    await runHopProfile(env, server.phaseFile, {
      chain: 200,
      workers: settings.workers,
      concurrency: 50,
      claimOnComplete: true,
      timeoutMs: 120_000,
    });
    toggleCpuProfile(server.pid);
    await logTopStatements(env.postgres.url, 8);
    await logCpuProfile(server.dir, server.pid, 1, "chain hops", 40);
  });
}
