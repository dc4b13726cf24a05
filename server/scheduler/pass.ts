import type { Database } from "@/db/client";
import { createFailureLog, type FailureLog } from "@/server/log/failure-log";
import { log } from "@/server/log/logger";
import type { PassReport, Sweep, SweepResult } from "./types";

/**
 * Floor between two passes. A sweep that keeps answering "due now" (a batch limit reached, or
 * a bug) must not turn the loop into a busy loop against the database.
 */
export const MIN_PASS_GAP_MS = 100;

const passLog = log.child({ component: "scheduler" });
/** Per sweep name: a sweep failing on every pass (database down) is logged once, not per pass. */
const sweepFailures = new Map<string, FailureLog>();

function failuresOf(sweep: string): FailureLog {
  let failures = sweepFailures.get(sweep);
  if (!failures) {
    failures = createFailureLog(passLog.child({ sweep }), `sweep ${sweep}`);
    sweepFailures.set(sweep, failures);
  }
  return failures;
}

export interface RunPassParams {
  instanceId: string;
  trigger: PassReport["trigger"];
  /** The scheduling interval: the longest the loop may sleep after this pass. */
  intervalS: number;
}

/**
 * Runs every sweep once, in order. A sweep that throws is logged and reported; the others
 * still run, because one broken sweep must not stop lease expiry or timeouts.
 */
export async function runPass(
  db: Database,
  sweeps: readonly Sweep[],
  params: RunPassParams,
): Promise<PassReport> {
  const startedAt = new Date();
  const results: SweepResult[] = [];
  for (const sweep of sweeps) {
    const started = performance.now();
    try {
      const { nextDueAt } = await sweep.run(db);
      const valid = nextDueAt instanceof Date && !Number.isNaN(nextDueAt.getTime());
      if (nextDueAt !== null && !valid) {
        passLog.error({ sweep: sweep.name, nextDueAt: String(nextDueAt) }, "invalid nextDueAt");
      }
      failuresOf(sweep.name).succeeded();
      results.push({
        name: sweep.name,
        ok: true,
        nextDueAt: valid ? nextDueAt : null,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      failuresOf(sweep.name).failed(error);
      results.push({
        name: sweep.name,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
        durationMs: performance.now() - started,
      });
    }
  }
  const finishedAt = new Date();
  return {
    instanceId: params.instanceId,
    trigger: params.trigger,
    startedAt,
    finishedAt,
    results,
    nextPassAt: nextPassTime(results, finishedAt, params.intervalS),
  };
}

function nextPassTime(results: SweepResult[], finishedAt: Date, intervalS: number): Date {
  let next = finishedAt.getTime() + intervalS * 1000;
  for (const result of results) {
    if (result.ok && result.nextDueAt) next = Math.min(next, result.nextDueAt.getTime());
  }
  return new Date(Math.max(next, finishedAt.getTime() + MIN_PASS_GAP_MS));
}
