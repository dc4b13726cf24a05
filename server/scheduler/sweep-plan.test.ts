import { describe, expect, it } from "vitest";
import { createSweepPlan } from "./sweep-plan";
import type { PassReport, Sweep, SweepResult } from "./types";

const sweep = (name: string): Sweep => ({ name, run: async () => ({ nextDueAt: null }) });
const sweeps = [sweep("schedules"), sweep("rollup"), sweep("alerts"), sweep("webhook")];
const names = (chosen: readonly Sweep[]) => chosen.map((s) => s.name);

function report(finishedAt: number, results: SweepResult[]): PassReport {
  return {
    instanceId: "test",
    trigger: "loop",
    startedAt: new Date(finishedAt),
    finishedAt: new Date(finishedAt),
    results,
    nextPassAt: new Date(finishedAt),
  };
}

const ran = (name: string, nextDueAt: number | null): SweepResult => ({
  name,
  ok: true,
  nextDueAt: nextDueAt === null ? null : new Date(nextDueAt),
  durationMs: 1,
});

describe("createSweepPlan", () => {
  it("runs every sweep when the pass must, and every sweep not run yet", () => {
    const plan = createSweepPlan(sweeps, 60);
    expect(names(plan.take(0, true).sweeps)).toEqual(names(sweeps));
    plan.request(["alerts"]);
    // Nothing has run: every sweep is due.
    expect(names(plan.take(0, false).sweeps)).toEqual(names(sweeps));
  });

  it("runs the named sweeps and the due ones on a named wake, in the loop's order", () => {
    const plan = createSweepPlan(sweeps, 60);
    plan.record(
      report(1_000, [
        ran("schedules", 5_000),
        ran("rollup", 11_000),
        ran("alerts", 301_000),
        ran("webhook", null),
      ]),
    );
    plan.request(["webhook", "alerts"]);
    const early = plan.take(2_000, false);
    expect(names(early.sweeps)).toEqual(["alerts", "webhook"]);
    // The loop must still wake for the first sweep it left out.
    expect(early.skippedDueAt).toEqual(new Date(5_000));

    plan.request(["alerts"]);
    const later = plan.take(6_000, false);
    expect(names(later.sweeps)).toEqual(["schedules", "alerts"]);
    expect(later.skippedDueAt).toEqual(new Date(11_000));
  });

  it("forgets a named wake once a pass has taken it", () => {
    const plan = createSweepPlan(sweeps, 60);
    plan.record(
      report(
        0,
        sweeps.map((s) => ran(s.name, 30_000)),
      ),
    );
    plan.request(["alerts"]);
    expect(names(plan.take(1_000, false).sweeps)).toEqual(["alerts"]);
    expect(names(plan.take(1_000, false).sweeps)).toEqual([]);
  });

  it("runs every sweep after a wake that names none", () => {
    const plan = createSweepPlan(sweeps, 60);
    plan.record(
      report(
        0,
        sweeps.map((s) => ran(s.name, 30_000)),
      ),
    );
    plan.request(["alerts"]);
    plan.request();
    const all = plan.take(1_000, false);
    expect(names(all.sweeps)).toEqual(names(sweeps));
    expect(all.skippedDueAt).toBeUndefined();
  });

  it("counts a sweep with nothing scheduled, or one that failed, due within the interval", () => {
    const plan = createSweepPlan(sweeps, 60);
    plan.record(
      report(0, [
        ran("schedules", null),
        { name: "rollup", ok: false, error: "boom", durationMs: 1 },
        ran("alerts", 600_000),
        ran("webhook", 600_000),
      ]),
    );
    expect(plan.take(59_999, false).skippedDueAt).toEqual(new Date(60_000));
    expect(names(plan.take(60_000, false).sweeps)).toEqual(names(sweeps));
  });
});
