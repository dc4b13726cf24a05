import { describe, expect, it } from "vitest";
import type { ActiveWorkflow } from "@/server/tasks/active-workflows";
import { applyTaskEvents } from "./workflow-events";

const workflow: ActiveWorkflow = {
  id: "w",
  name: "w",
  createdAt: "2026-01-01T00:00:00.000Z",
  counts: { queued: 1, blocked: 1 },
  taskCount: 2,
  tasks: [
    { id: "a", key: "a", name: "a", state: "queued", progress: null },
    { id: "b", key: "b", name: "b", state: "blocked", progress: null },
  ],
  edges: [{ from: "a", to: "b" }],
};

const move = (taskId: string, fromState: string, toState: string) => ({
  kind: `task.${toState}`,
  taskId,
  fromState,
  toState,
});

describe("applyTaskEvents", () => {
  it("moves nodes and counts with each transition, in order", () => {
    const next = applyTaskEvents(workflow, [
      move("a", "queued", "running"),
      {
        kind: "task.progress",
        taskId: "a",
        fromState: null,
        toState: null,
        data: { fraction: 0.5 },
      },
      move("a", "running", "succeeded"),
      move("b", "blocked", "queued"),
    ]);
    expect(next.tasks).toEqual([
      { id: "a", key: "a", name: "a", state: "succeeded", progress: 0.5 },
      { id: "b", key: "b", name: "b", state: "queued", progress: null },
    ]);
    expect(next.counts).toEqual({ queued: 1, blocked: 0, running: 0, succeeded: 1 });
    expect(workflow.tasks[0]?.state).toBe("queued");
  });

  it("counts tasks it does not draw, and new ones", () => {
    const next = applyTaskEvents(workflow, [
      { kind: "task.submitted", taskId: "c", fromState: null, toState: "queued" },
      move("hidden", "queued", "running"),
    ]);
    expect(next.taskCount).toBe(3);
    expect(next.counts).toEqual({ queued: 1, blocked: 1, running: 1 });
    expect(next.tasks).toHaveLength(2);
  });
});
