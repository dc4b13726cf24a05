import type { AlertThresholds, Config } from "@/server/config";

/**
 * Hysteresis, in time: a firing alert resolves only once its condition has stayed clear this
 * long, so a value hovering at the threshold (a pool at 79-81 %, an agent reconnecting) does
 * not open and resolve an alert on every pass.
 */
export const CLEAR_HOLD_S = 30;

/**
 * Hysteresis, in value, for the ratio rules (resource_usage, failure_rate): an alert opens at
 * the threshold but stays firing down to threshold x 0.9; only below that does it count as
 * clear (and then it still has to stay clear for CLEAR_HOLD_S).
 */
export const RATIO_CLEAR_FACTOR = 0.9;

/** What the alert evaluation needs from the configuration. */
export interface MonitorSettings {
  thresholds: AlertThresholds;
  /** agents.quarantine_after_failures: agent_quarantined's threshold. */
  quarantineAfterFailures: number;
  /** Alerts are evaluated at least this often, whatever else wakes the scheduler. */
  monitoringIntervalS: number;
  /** A webhook is configured: notifications go to the outbox (none pile up without one). */
  notify: boolean;
}

export function monitorSettings(config: Config): MonitorSettings {
  return {
    thresholds: config.taskManager.alertThresholds,
    quarantineAfterFailures: config.taskManager.agents.quarantineAfterFailures,
    monitoringIntervalS: config.taskManager.monitoringInterval,
    notify: config.taskManager.alertWebhook !== null,
  };
}
