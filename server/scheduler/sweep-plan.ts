import type { PassReport, Sweep } from "./types";

/**
 * Which sweeps the loop's next pass runs.
 *
 * A pass on the loop's own timer, the first pass of a term and a wake() that names no sweep run
 * every sweep, as the loop always has. A wake that names sweeps runs those, and any other
 * whose own due time has come. That wake is the alert rules', once per WAKE_MIN_GAP_MS while
 * events flow (server/monitor/trigger.ts): when it ran every sweep, each of those passes took
 * 120–190 ms on the benchmark machine, the rules only part of it, and the chain benchmark's
 * hop paid for the rest in CPU. The sweeps left out lose nothing: each is still run by its
 * own due time and at least once per scheduling interval.
 */
export interface SweepPlan {
  /** Asks for a pass of the named sweeps, or of every sweep when no name is given. */
  request(names?: readonly string[]): void;
  /**
   * The next pass's sweeps, in the loop's order, and the earliest due time of those it leaves
   * out (so the loop still wakes for them). Clears what request() asked for.
   * `everything`: the pass must run every sweep (the timer woke the loop, or a term began).
   */
  take(now: number, everything: boolean): { sweeps: Sweep[]; skippedDueAt: Date | undefined };
  /** Remembers when each sweep of a finished pass is due again. */
  record(report: PassReport): void;
}

export function createSweepPlan(sweeps: readonly Sweep[], intervalS: number): SweepPlan {
  // Per sweep name, when it has work again; a sweep not run yet is due at once.
  const dueAt = new Map<string, number>();
  let wantAll = false;
  const wanted = new Set<string>();

  return {
    request(names) {
      if (!names) wantAll = true;
      else for (const name of names) wanted.add(name);
    },
    take(now, everything) {
      const all = everything || wantAll;
      const chosen = all
        ? [...sweeps]
        : sweeps.filter((sweep) => wanted.has(sweep.name) || (dueAt.get(sweep.name) ?? 0) <= now);
      wantAll = false;
      wanted.clear();
      let skipped = Number.POSITIVE_INFINITY;
      for (const sweep of sweeps) {
        if (!chosen.includes(sweep)) skipped = Math.min(skipped, dueAt.get(sweep.name) ?? now);
      }
      return {
        sweeps: chosen,
        skippedDueAt: Number.isFinite(skipped) ? new Date(skipped) : undefined,
      };
    },
    record(report) {
      const latest = report.finishedAt.getTime() + intervalS * 1000;
      for (const result of report.results) {
        const next = result.ok && result.nextDueAt ? result.nextDueAt.getTime() : latest;
        dueAt.set(result.name, Math.min(next, latest));
      }
    },
  };
}
