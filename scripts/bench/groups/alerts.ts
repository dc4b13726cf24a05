import { runAlertLatency } from "../alerts";
import type { BenchSettings } from "../cli";
import type { BenchEnvironment } from "../setup";
import { figure, log } from "../stats";

/** Alert latency, a condition becoming true to `alert.opened` on events.stream (full run only). */
export async function alertFigures(env: BenchEnvironment, settings: BenchSettings) {
  const alerts = await runAlertLatency(env, { rounds: settings.alertRounds, timeoutMs: 30_000 });
  log(`alert detail: ${JSON.stringify(alerts)}`);
  figure("alert_latency_p50", alerts.open.p50, "ms");
  figure("alert_latency_p99", alerts.open.p99, "ms");
  figure("alert_resolve_p50", alerts.resolve.p50, "ms");
}
