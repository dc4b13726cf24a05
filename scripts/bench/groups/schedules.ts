import type { BenchSettings } from "../cli";
import { runScheduleLag } from "../schedules";
import { figure, log } from "../stats";

/**
 * Fire lag of many 1-second schedules (`--only schedules`), on its own PostgreSQL (no server
 * competes for it).
 */
export async function scheduleFigures(settings: BenchSettings) {
  const result = await runScheduleLag({
    schedules: settings.schedules(),
    seconds: settings.scheduleSeconds(),
  });
  log(`schedules detail: ${JSON.stringify(result)}`);
  process.stdout.write(`schedule_fires: ${result.made} of ${result.expected}\n`);
  figure("schedule_fire_lag_p50_ms", result.lag.p50, "ms");
  figure("schedule_fire_lag_p99_ms", result.lag.p99, "ms");
}
