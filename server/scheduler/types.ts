import type { Database } from "@/db/client";

/**
 * One time-driven job of the sweep loop (docs/architecture.md "Timing"): lease expiry, timeouts,
 * due `run_at`, agent silence, alert rules.
 *
 * A sweep must be safe to run concurrently with itself on another instance (a manual pass
 * runs on whichever instance received it, leader or not), so it changes rows with
 * conditional updates or `FOR UPDATE SKIP LOCKED`, never read-then-write.
 */
export interface Sweep {
  /** Stable and unique: shown in pass reports and logs. */
  name: string;
  /**
   * Does the work that is due now and says when this sweep next has work (the earliest lease
   * expiry, `run_at`, timeout…), or null when nothing is scheduled. The loop sleeps until the
   * earliest answer of all sweeps, never longer than the scheduling interval, so an answer
   * only needs to be early enough, and a late change is caught by the next interval or wake().
   */
  run(db: Database): Promise<{ nextDueAt: Date | null }>;
}

/** How one sweep went in one pass. */
export type SweepResult =
  | { name: string; ok: true; nextDueAt: Date | null; durationMs: number }
  | { name: string; ok: false; error: string; durationMs: number };

/** One pass over all sweeps, as reported by the `pass` event and POST /api/scheduler. */
export interface PassReport {
  instanceId: string;
  /** `loop`: the leader's own schedule; `manual`: runOnce() (POST /api/scheduler). */
  trigger: "loop" | "manual";
  startedAt: Date;
  finishedAt: Date;
  results: SweepResult[];
  /** The earliest `nextDueAt` of the sweeps, capped at the scheduling interval. */
  nextPassAt: Date;
}
