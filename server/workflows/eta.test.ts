import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_S, type EtaTask, estimateWorkflowEta, median } from "./eta";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const s = (seconds: number) => seconds * 1000;

function task(id: string, fields: Partial<EtaTask>): EtaTask {
  return {
    id,
    type: "default",
    state: "blocked",
    startedAt: null,
    queuedAt: null,
    finishedAt: null,
    dependsOn: [],
    ...fields,
  };
}

describe("estimateWorkflowEta", () => {
  it("takes the longest remaining path, each task at its type's median run time and queue wait", () => {
    // fetch (running for 20 s of its 30 s) → summarise (blocked, 60 s + 5 s wait) → publish
    // (blocked, 10 s + 1 s wait); in parallel, review (queued 2 s ago, 100 s + 5 s wait).
    const tasks = [
      task("fetch", { type: "fetch", state: "running", startedAt: NOW - s(20) }),
      task("summarise", { type: "summarise", dependsOn: ["fetch"] }),
      task("publish", { type: "publish", dependsOn: ["summarise", "review"] }),
      task("review", { type: "review", state: "queued", queuedAt: NOW - s(2) }),
      task("setup", {
        type: "fetch",
        state: "succeeded",
        startedAt: NOW - s(99),
        finishedAt: NOW - s(90),
      }),
    ];
    const byType = new Map([
      ["fetch", { runS: 30, waitS: 0 }],
      ["summarise", { runS: 60, waitS: 5 }],
      ["publish", { runS: 10, waitS: 1 }],
      ["review", { runS: 100, waitS: 5 }],
    ]);
    // fetch ends at +10; summarise at 10 + 5 + 60 = +75; review at 3 + 100 = +103;
    // publish after both: 103 + 1 + 10 = +114.
    expect(estimateWorkflowEta({ now: NOW, tasks, byType })).toEqual({
      finishAt: NOW + s(114),
      remainingS: 114,
    });
  });

  it("falls back to the workflow's own finished tasks, then to the default", () => {
    const own = [
      task("a", { state: "succeeded", startedAt: NOW - s(50), finishedAt: NOW - s(40) }),
      task("b", { state: "succeeded", startedAt: NOW - s(40), finishedAt: NOW - s(10) }),
      task("c", { state: "succeeded", startedAt: NOW - s(40), finishedAt: NOW - s(20) }),
      task("d", { type: "new", state: "queued", queuedAt: NOW }),
    ];
    // Median of 10, 30, 20 is 20 s.
    expect(estimateWorkflowEta({ now: NOW, tasks: own, byType: new Map() })?.remainingS).toBe(20);
    const fresh = [task("d", { type: "new", state: "queued", queuedAt: NOW })];
    expect(estimateWorkflowEta({ now: NOW, tasks: fresh, byType: new Map() })?.remainingS).toBe(
      DEFAULT_RUN_S,
    );
  });

  it("does not finish a running task before now, and has no ETA with nothing left", () => {
    const late = [task("slow", { state: "running", startedAt: NOW - s(500) })];
    const byType = new Map([["default", { runS: 60, waitS: 0 }]]);
    expect(estimateWorkflowEta({ now: NOW, tasks: late, byType })).toEqual({
      finishAt: NOW,
      remainingS: 0,
    });
    const done = [task("a", { state: "succeeded" }), task("b", { state: "cancelled" })];
    expect(estimateWorkflowEta({ now: NOW, tasks: done, byType })).toBeNull();
  });

  it("computes medians", () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
