import { describe, expect, it } from "vitest";
import { type RunTaskInput, runTaskRows } from "./task-rows";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function task(name: string, partial: Partial<RunTaskInput> = {}): RunTaskInput {
  return {
    id: name,
    name,
    state: "succeeded",
    type: "default",
    agentName: null,
    createdAt: at(0),
    queuedAt: null,
    attempts: [],
    ...partial,
  };
}

const retried = task("render 10", {
  agentName: "gpu-1",
  attempts: [
    { epoch: 1, queuedAt: at(0), claimedAt: at(2), endedAt: at(5), outcome: "retried" },
    { epoch: 2, queuedAt: at(5), claimedAt: at(9), endedAt: at(12), outcome: "succeeded" },
  ],
});
const waiting = task("render 2", { state: "queued", queuedAt: at(10) });
const blocked = task("publish", { state: "blocked", type: "deploy" });
const all = [retried, waiting, blocked];
const options = { sort: "name" as const, desc: false, state: "", text: "" };

describe("runTaskRows", () => {
  it("sums the waits, measures the latest attempt, counts attempts", () => {
    const [row] = runTaskRows([retried], T0 + 60_000, options);
    expect(row).toMatchObject({ attempts: 2, waitS: 6, durationS: 3, agent: "gpu-1" });
    const [open] = runTaskRows([waiting], T0 + 15_000, options);
    expect(open).toMatchObject({ attempts: 0, waitS: 5, durationS: null });
  });

  it("sorts by any column, either way, numbers in names as numbers", () => {
    const names = (sort: Parameters<typeof runTaskRows>[2]) =>
      runTaskRows(all, T0 + 20_000, sort).map((row) => row.name);
    expect(names(options)).toEqual(["publish", "render 2", "render 10"]);
    expect(names({ ...options, desc: true })).toEqual(["render 10", "render 2", "publish"]);
    expect(names({ ...options, sort: "waitS", desc: true })).toEqual([
      "render 2",
      "render 10",
      "publish",
    ]);
  });

  it("filters by state and by a name fragment, case-insensitively", () => {
    const names = (state: string, text: string) =>
      runTaskRows(all, T0, { ...options, state, text }).map((row) => row.name);
    expect(names("queued", "")).toEqual(["render 2"]);
    expect(names("", "RENDER")).toEqual(["render 2", "render 10"]);
    expect(names("blocked", "render")).toEqual([]);
  });
});
