import { describe, expect, it } from "vitest";
import { barsOf, type TimelineTaskInput, ticks, timelineRows, timeRange, xOf } from "./layout";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function task(name: string, partial: Partial<TimelineTaskInput> = {}): TimelineTaskInput {
  return { id: name, name, createdAt: at(0), queuedAt: null, attempts: [], ...partial };
}

const flaky = task("flaky", {
  attempts: [
    { epoch: 1, queuedAt: at(0), claimedAt: at(2), endedAt: at(5), outcome: "retried" },
    { epoch: 2, queuedAt: at(5), claimedAt: at(10), endedAt: null, outcome: "running" },
  ],
});

describe("barsOf", () => {
  it("draws each attempt's wait then its run, and an open run up to now", () => {
    expect(barsOf(flaky, T0 + 20_000)).toEqual([
      { kind: "wait", startMs: T0, endMs: T0 + 2000, outcome: "retried", attempt: 1, open: false },
      {
        kind: "run",
        startMs: T0 + 2000,
        endMs: T0 + 5000,
        outcome: "retried",
        attempt: 1,
        open: false,
      },
      {
        kind: "wait",
        startMs: T0 + 5000,
        endMs: T0 + 10_000,
        outcome: "running",
        attempt: 2,
        open: false,
      },
      {
        kind: "run",
        startMs: T0 + 10_000,
        endMs: T0 + 20_000,
        outcome: "running",
        attempt: 2,
        open: true,
      },
    ]);
  });

  it("draws a task still queued as an open wait, and nothing for one never queued", () => {
    expect(barsOf(task("waiting", { queuedAt: at(3) }), T0 + 9000)).toEqual([
      {
        kind: "wait",
        startMs: T0 + 3000,
        endMs: T0 + 9000,
        outcome: "running",
        attempt: 0,
        open: true,
      },
    ]);
    expect(barsOf(task("blocked"), T0)).toEqual([]);
  });

  it("draws a task waiting for a signal as an open signal bar naming it", () => {
    const gate = task("gate", { queuedAt: at(2), waitSignal: "approval" });
    expect(barsOf(gate, T0 + 5000)).toEqual([
      {
        kind: "signal",
        signal: "approval",
        startMs: T0 + 2000,
        endMs: T0 + 5000,
        outcome: "running",
        attempt: 0,
        open: true,
      },
    ]);
  });
});

describe("timelineRows", () => {
  const late = task("step 10", {
    attempts: [
      { epoch: 1, queuedAt: at(1), claimedAt: at(1), endedAt: at(3), outcome: "succeeded" },
    ],
  });
  const blocked = task("step 2");
  const early = task("Step 1", { queuedAt: at(0.5) });

  it("sorts by start, with tasks that never started last", () => {
    const rows = timelineRows([blocked, late, early, flaky], "start", T0 + 20_000);
    expect(rows.map((row) => row.task.name)).toEqual(["flaky", "Step 1", "step 10", "step 2"]);
    expect(rows.at(-1)?.startMs).toBeNull();
  });

  it("sorts by name with numbers compared as numbers", () => {
    const rows = timelineRows([late, flaky, blocked, early], "name", T0);
    expect(rows.map((row) => row.task.name)).toEqual(["flaky", "Step 1", "step 2", "step 10"]);
  });
});

describe("timeRange and xOf", () => {
  it("spans the first bar to now while a bar is open, and maps times to fractions", () => {
    const rows = timelineRows([flaky], "start", T0 + 20_000);
    const range = timeRange(rows, T0 + 20_000);
    expect(range).toEqual({ startMs: T0, endMs: T0 + 20_000 });
    if (!range) return;
    expect(xOf(T0 + 5000, range)).toBe(0.25);
    expect(xOf(T0 - 1, range)).toBe(0);
    expect(xOf(T0 + 99_000, range)).toBe(1);
  });

  it("has no range when nothing has been queued or claimed", () => {
    expect(timeRange(timelineRows([task("a")], "start", T0), T0)).toBeNull();
  });

  it("gives an instant a second, so x never divides by zero", () => {
    const instant = task("i", {
      attempts: [
        { epoch: 1, queuedAt: null, claimedAt: at(0), endedAt: at(0), outcome: "succeeded" },
      ],
    });
    expect(timeRange(timelineRows([instant], "start", T0), T0)).toEqual({
      startMs: T0,
      endMs: T0 + 1000,
    });
  });
});

describe("ticks", () => {
  it("picks a round step giving at most the maximum", () => {
    const result = ticks({ startMs: T0, endMs: T0 + 60_000 }, 8);
    expect(result.map((tick) => tick.offsetMs)).toEqual([
      0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000,
    ]);
  });
});
