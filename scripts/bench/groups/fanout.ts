import type { BenchSettings } from "../cli";
import { type FanoutParams, runFanout } from "../fanout";
import { logCpuProfile, toggleCpuProfile, withProfiledServer } from "../profile";
import type { BenchEnvironment } from "../setup";
import { figure, log } from "../stats";

/**
 * Event fan-out (`--only fanout`): --subscribers streams (5,000; 1,000 with --quick) in two
 * child processes, a burst of 200 events and then 20 single ones 200 ms apart.
 */
export async function fanoutFigures(
  env: BenchEnvironment,
  settings: BenchSettings,
  onPhase?: FanoutParams["onPhase"],
) {
  const { subscribers } = settings;
  const fanout = await runFanout(env, {
    onPhase,
    subscribers,
    clients: 2,
    tasks: 200,
    openConcurrency: 100,
    steadyEvents: 20,
    steadyIntervalMs: 200,
    timeoutMs: 60_000 + subscribers * 20,
  });
  log(`fanout detail: ${JSON.stringify(fanout)}`);
  process.stdout.write(`fanout_subscribers: ${fanout.subscribers}\n`);
  figure("fanout_delivery_p50", fanout.fromCreated.p50, "ms");
  figure("fanout_delivery_p99", fanout.fromCreated.p99, "ms");
  figure("fanout_steady_delivery_p50", fanout.steady.p50, "ms");
  figure("fanout_steady_delivery_p99", fanout.steady.p99, "ms");
  figure("fanout_server_rss_before", fanout.rssBeforeMb, "MB");
  figure("fanout_server_rss_peak", fanout.rssPeakMb, "MB");
}

/** `--only fanout --profile`: the fan-out figures with the server's CPU profile per phase. */
export async function fanoutProfile(settings: BenchSettings) {
  await withProfiledServer({}, async (env, server) => {
    await fanoutFigures(env, settings, () => toggleCpuProfile(server.pid));
    await logCpuProfile(server.dir, server.pid, 1, "fanout burst");
    await logCpuProfile(server.dir, server.pid, 2, "fanout steady");
  });
}
