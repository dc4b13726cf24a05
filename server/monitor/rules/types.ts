import type { AlertRule } from "@/db/schema/alerts";

export type Severity = "warning" | "critical";

/** One subject a rule found over its threshold, or still within the hysteresis band. */
export interface Observation {
  /** `task:<id>`, `pool:<name>`, `agent:<id>`, `agent:<id>:<resource>` or `global`. */
  subject: string;
  value: number;
  /**
   * Over the threshold: opens an alert, or keeps one firing. False: below the threshold but
   * not clear yet (RATIO_CLEAR_FACTOR), which keeps a firing alert firing and opens none.
   */
  breaching: boolean;
  severity: Severity;
  message: string;
}

/** What one rule sees now. Subjects it does not list are clear. */
export interface RuleResult {
  rule: AlertRule;
  threshold: number;
  observations: Observation[];
  /**
   * When an observation changes with no input changing (a running task crossing its threshold,
   * or twice it), so the sweep wakes then rather than at the next interval; null if never.
   */
  nextDueAt: Date | null;
  /**
   * Values that grow with the clock (seconds running, blocked, silent). Updating them is worth
   * an event only when the severity changes; otherwise every pass would record one.
   */
  valuesFollowClock: boolean;
}

/**
 * Twice the threshold is critical; for ratios, capped at 1 (a full pool, or every task
 * failing, is critical whatever the threshold).
 */
export function severityOf(value: number, threshold: number, ratio: boolean): Severity {
  const criticalAt = ratio ? Math.min(1, 2 * threshold) : 2 * threshold;
  return value >= criticalAt ? "critical" : "warning";
}

export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`;
