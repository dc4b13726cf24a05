import type { BenchSettings } from "../cli";
import { runOutage } from "../outage";
import { figure, log, quantile } from "../stats";

/**
 * Database outages under a running server (`--only outage`), on a server and PostgreSQL of its
 * own: how fast calls fail while PostgreSQL is down (worst call), and how long after it is back
 * the API and /api/health answer (worst outage).
 */
export async function outageFigures(settings: BenchSettings) {
  const outage = await runOutage({
    outagesS: settings.quick ? [1, 3, 6] : [1, 3, 6, 10, 20],
    timeoutMs: 60_000,
  });
  log(`outage detail: ${JSON.stringify({ ...outage, failMs: undefined })}`);
  figure("outage_fail_ms", Math.max(...outage.failMs), "ms");
  figure("outage_recovery_ms", Math.max(...outage.recoveryMs), "ms");
  figure("outage_recovery_p50", quantile(outage.recoveryMs, 0.5), "ms");
}
