import type { Database } from "@/db/client";
import type { Sweep } from "@/server/scheduler/types";
import {
  needsReconcile,
  type ReconcileOptions,
  type ReconcileReport,
  reconcileRule,
  rulesWithAlerts,
} from "./reconcile";
import { observeAll, type RuleResult } from "./rules";
import type { MonitorSettings } from "./settings";

export interface EvaluationReport {
  opened: number;
  updated: number;
  resolved: number;
  /** The earliest time a rule's view changes by the clock alone, or a clear hold ends. */
  nextDueAt: Date | null;
}

/**
 * Evaluates every rule and reconciles its alerts (server/monitor/reconcile.ts), one short
 * transaction per rule that has alerts or sees a breach. Safe to run on two instances at once.
 */
export async function evaluateAlerts(
  db: Database,
  settings: MonitorSettings,
): Promise<EvaluationReport> {
  const report: EvaluationReport = { opened: 0, updated: 0, resolved: 0, nextDueAt: null };
  const withAlerts = await rulesWithAlerts(db);
  for (const result of await observeAll(
    db,
    settings.thresholds,
    settings.quarantineAfterFailures,
  )) {
    if (!needsReconcile(result, withAlerts)) {
      report.nextDueAt = earliest(report.nextDueAt, result.nextDueAt);
      continue;
    }
    const reconciled = await reconcileOnce(db, result, { webhook: settings.notify });
    report.opened += reconciled.opened;
    report.updated += reconciled.updated;
    report.resolved += reconciled.resolved;
    report.nextDueAt = earliest(report.nextDueAt, result.nextDueAt, reconciled.nextDueAt);
  }
  return report;
}

/**
 * The alert rules as a sweep of the leader's loop. Its nextDueAt is the earliest timer (a task
 * crossing task_duration or dependency_wait, a clear hold ending), so those fire on time, and
 * never later than monitoring_interval from now, so rules are evaluated at least that often
 * even when the scheduling interval is longer. Input changes (events) wake the loop sooner:
 * see server/monitor/trigger.ts.
 */
export function createAlertsSweep(settings: () => MonitorSettings): Sweep {
  return {
    name: "alerts",
    async run(db) {
      const current = settings();
      const { nextDueAt } = await evaluateAlerts(db, current);
      const latest = new Date(Date.now() + current.monitoringIntervalS * 1000);
      return { nextDueAt: earliest(nextDueAt, latest) };
    },
  };
}

/**
 * Two evaluations that saw a subject differently (one clear, one breaching) can each wait on
 * the other's new row and deadlock; PostgreSQL aborts one. Its retry reads the winner's rows.
 */
async function reconcileOnce(
  db: Database,
  result: RuleResult,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  try {
    return await reconcileRule(db, result, options);
  } catch (error) {
    if (!isDeadlock(error)) throw error;
    return reconcileRule(db, result, options);
  }
}

// drizzle wraps the driver's error (DrizzleQueryError); the SQLSTATE is on its cause.
function isDeadlock(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === "40P01") return true;
  }
  return false;
}

function earliest(...dates: (Date | null)[]): Date | null {
  let first: Date | null = null;
  for (const date of dates) if (date && (!first || date < first)) first = date;
  return first;
}
