import { describe, expect, it } from "vitest";
import type { LiveEvent } from "@/lib/live/live-events";
import { applyTaskEvent, changesCounts, taskFromSubmitted } from "./task-events";

const ID = "6f1c1c52-4c5b-4b58-9d1e-0a3c2b1d4e5f";

function event(kind: string, patch: Partial<LiveEvent> = {}): LiveEvent {
  return {
    id: 1,
    kind,
    taskId: ID,
    workflowId: null,
    agentId: null,
    fromState: null,
    toState: null,
    data: {},
    createdAt: "2026-01-01T00:00:00.000Z",
    ...patch,
  };
}

const submitted = event("task.submitted", {
  toState: "queued",
  data: { name: "<b>render</b>", type: "render", priority: 5 },
});

describe("task events on a card", () => {
  it("makes a new task from task.submitted", () => {
    expect(taskFromSubmitted(submitted)).toMatchObject({
      id: ID,
      name: "<b>render</b>",
      type: "render",
      priority: 5,
      state: "queued",
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    expect(taskFromSubmitted(event("task.started", { toState: "running" }))).toBeUndefined();
  });

  it("follows a task through claim, progress, retry and completion", () => {
    let task = taskFromSubmitted(submitted);
    if (!task) throw new Error("no task");
    task = applyTaskEvent(
      task,
      event("task.started", {
        agentId: "agent-1",
        fromState: "queued",
        toState: "running",
        data: { attempt: 1 },
      }),
    );
    expect(task).toMatchObject({ state: "running", agentId: "agent-1", attempts: 1 });
    task = applyTaskEvent(
      task,
      event("task.progress", { data: { fraction: 0.5, step: "download" } }),
    );
    task = applyTaskEvent(task, event("task.progress", { data: { message: "3 of 6" } }));
    expect(task).toMatchObject({
      progress: 0.5,
      progressStep: "download",
      progressMessage: "3 of 6",
    });
    task = applyTaskEvent(
      task,
      event("task.retrying", { fromState: "running", toState: "queued" }),
    );
    expect(task).toMatchObject({ state: "queued", agentId: null });
    task = applyTaskEvent(
      task,
      event("task.started", { agentId: "agent-2", toState: "running", data: { attempt: 2 } }),
    );
    expect(task).toMatchObject({ progress: null, progressStep: null, attempts: 2 });
    task = applyTaskEvent(
      task,
      event("task.succeeded", { fromState: "running", toState: "succeeded" }),
    );
    expect(task).toMatchObject({ state: "succeeded", agentId: "agent-2" });
  });

  it("applies priority, cancellation and an operator's retry", () => {
    const task = taskFromSubmitted(submitted);
    if (!task) throw new Error("no task");
    expect(applyTaskEvent(task, event("task.priority", { data: { priority: -3 } })).priority).toBe(
      -3,
    );
    const cancelled = applyTaskEvent(
      task,
      event("task.cancelled", { toState: "cancelled", data: { reason: "no longer needed" } }),
    );
    expect(cancelled).toMatchObject({ state: "cancelled", cancelReason: "no longer needed" });
    const retried = applyTaskEvent(
      cancelled,
      event("task.queued", { toState: "queued", data: { retriedBy: "operator" } }),
    );
    expect(retried).toMatchObject({ state: "queued", cancelReason: null, attempts: 0 });
  });

  it("moves a gate to waiting, and a retried one back to waiting from scratch", () => {
    const failed = applyTaskEvent(
      applyTaskEvent(
        taskFromSubmitted(submitted) ?? expect.fail("no task"),
        event("task.waiting", { fromState: "blocked", toState: "waiting" }),
      ),
      event("task.failed", { fromState: "waiting", toState: "failed" }),
    );
    expect(failed.state).toBe("failed");
    const retried = applyTaskEvent(
      { ...failed, attempts: 2 },
      event("task.waiting", { toState: "waiting", data: { retriedBy: "operator" } }),
    );
    expect(retried).toMatchObject({ state: "waiting", attempts: 0 });
  });

  it("knows which events change the counts", () => {
    expect(changesCounts(submitted)).toBe(true);
    expect(changesCounts(event("task.progress"))).toBe(false);
    expect(changesCounts(event("task.priority"))).toBe(false);
    expect(changesCounts(event("task.failed", { fromState: "running", toState: "failed" }))).toBe(
      true,
    );
  });
});
