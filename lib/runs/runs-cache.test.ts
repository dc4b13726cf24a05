import { describe, expect, it } from "vitest";
import { patchRuns, runIds } from "./runs-cache";
import type { RunSummary, RunsData } from "./types";

const run = (id: string, state: RunSummary["state"] = "running"): RunSummary => ({
  id,
  name: `run ${id}`,
  state,
  counts: { blocked: 0, waiting: 0, queued: 1, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
  done: 0,
  total: 1,
  submitter: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  startedAt: null,
  finishedAt: null,
  durationS: null,
  pausedAt: null,
  eta: null,
});

const data = (...pages: RunSummary[][]): RunsData => ({
  pages: pages.map((items) => ({ items, nextCursor: null })),
  pageParams: pages.map(() => undefined),
});

describe("runs cache", () => {
  it("replaces a run where it appears and keeps untouched pages", () => {
    const before = data([run("a")], [run("b")]);
    const { data: after, left } = patchRuns(
      before,
      new Map([["b", run("b", "paused")]]),
      undefined,
    );
    expect(left).toBe(false);
    expect(after.pages[0]).toBe(before.pages[0]);
    expect(after.pages[1]?.items[0]?.state).toBe("paused");
    expect(runIds(after)).toEqual(new Set(["a", "b"]));
  });

  it("returns the same data when no run is loaded, and reports one leaving the state filter", () => {
    const before = data([run("a")]);
    expect(patchRuns(before, new Map([["x", run("x")]]), undefined).data).toBe(before);
    expect(patchRuns(before, new Map([["a", run("a", "cancelled")]]), "running").left).toBe(true);
  });
});
