import { startDemoFleet } from "../../demo/fleet";
import type { BenchSettings } from "../cli";
import { startBenchEnvironment } from "../setup";
import { figure, log } from "../stats";
import { runWallSoak } from "../wall-soak";

/** The wall screen under load for --soak-minutes: its JS heap at the start and the end. */
export async function wallSoak(settings: BenchSettings) {
  const minutes = settings.soakMinutes();
  const env = await startBenchEnvironment();
  try {
    log(`wall soak: ${minutes} min of /wall?layout=grid with the demo fleet running`);
    const { samples, reloads } = await runWallSoak(env, {
      minutes,
      // The demo fleet, as a newcomer would run it: every kind of event, alerts, a full pool.
      startLoad: () => startDemoFleet({ url: env.server.url, token: env.server.adminToken, log }),
    });
    log(`wall soak: ${reloads} reloads, statuses ${[...new Set(samples.map((s) => s.status))]}`);
    figure("wall_heap_start", samples[0]?.usedMb ?? Number.NaN, "MB");
    figure("wall_heap_end", samples.at(-1)?.usedMb ?? Number.NaN, "MB");
  } finally {
    await env.close();
  }
}
