import { describe, expect, it } from "vitest";
import { edges, layeredDag, ran, task } from "@/test/fixtures/graphs";
import { criticalPath, DEFAULT_ESTIMATE_S, estimateSeconds, taskSeconds } from "./critical-path";

const NOW = Date.parse("2026-01-01T01:00:00Z");

describe("criticalPath", () => {
  it("follows the longest chain by actual durations", () => {
    // a → b → d is 1 + 10 + 1; a → c → d is 1 + 3 + 1.
    const tasks = [ran("a", 1), ran("b", 10), ran("c", 3), ran("d", 1)];
    const path = criticalPath(tasks, edges("a>b", "a>c", "b>d", "c>d"), NOW);
    expect([...path.taskIds].sort()).toEqual(["a", "b", "d"]);
    expect([...path.edgeKeys].sort()).toEqual(["a>b", "b>d"]);
    expect(path.seconds).toBe(12);
  });

  it("weighs unfinished tasks by the median finished duration", () => {
    // Finished: 2, 3, 4 → median 3, so the queued x counts 3.
    const tasks = [
      ran("s", 2),
      ran("y", 3),
      ran("z", 4),
      task("x"),
      task("end", { state: "blocked" }),
    ];
    expect(estimateSeconds(tasks)).toBe(3);
    const path = criticalPath(tasks, edges("s>x", "s>y", "x>end", "y>end"), NOW);
    // s(2) → x(3, the estimate) → end(3) ties s → y(3) → end; the first-listed wins.
    expect([...path.taskIds].sort()).toEqual(["end", "s", "x"]);
    expect(path.seconds).toBe(8);
  });

  it("estimates 1 s when nothing has finished, and counts running time so far", () => {
    expect(estimateSeconds([task("a")])).toBe(DEFAULT_ESTIMATE_S);
    const running = task("r", {
      state: "running",
      startedAt: new Date(NOW - 50_000).toISOString(),
    });
    expect(taskSeconds(running, 1, NOW)).toBe(50);
    expect(taskSeconds(task("c", { state: "cancelled" }), 5, NOW)).toBe(0);
    const path = criticalPath([task("a"), running, task("b")], edges("a>r", "a>b"), NOW);
    expect([...path.taskIds].sort()).toEqual(["a", "r"]);
  });

  it("handles an empty graph and a 2,000-task DAG", () => {
    expect(criticalPath([], [], NOW).taskIds.size).toBe(0);
    const dag = layeredDag(40, 50);
    const path = criticalPath(
      dag.ids.map((id) => task(id)),
      dag.edges,
      NOW,
    );
    // One task per layer, each edge between consecutive layers.
    expect(path.taskIds.size).toBe(40);
    expect(path.edgeKeys.size).toBe(39);
    expect(path.seconds).toBe(40);
  });
});
