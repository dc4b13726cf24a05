import { describe, expect, it } from "vitest";
import type { LiveEvent } from "@/lib/live/live-events";
import { task } from "@/test/fixtures/graphs";
import { applyWorkflowEvents, type LiveTask } from "./apply-events";

const WF = "wf-1";
const liveTask = (id: string): LiveTask => ({ ...task(id), agentId: null, priority: 0 });
const workflow = () => ({ id: WF, name: "w", tasks: [liveTask("a"), liveTask("b")] });

let nextId = 1;
function event(fields: Partial<LiveEvent>): LiveEvent {
  return {
    id: nextId++,
    kind: "task.progress",
    taskId: "a",
    workflowId: WF,
    agentId: null,
    fromState: null,
    toState: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}

describe("applyWorkflowEvents", () => {
  it("applies start, progress and finish to the task named", () => {
    const before = workflow();
    const { workflow: after, stale } = applyWorkflowEvents(before, [
      event({ kind: "task.started", fromState: "queued", toState: "running", agentId: "ag" }),
      event({ kind: "task.progress", data: { fraction: 0.5 } }),
    ]);
    expect(stale).toBe(false);
    expect(after.tasks[0]).toMatchObject({
      state: "running",
      agentId: "ag",
      startedAt: "2026-01-01T00:00:00.000Z",
      progress: 0.5,
    });
    // Untouched tasks keep their identity, so their nodes do not re-render.
    expect(after.tasks[1]).toBe(before.tasks[1]);

    const finished = applyWorkflowEvents(after, [
      event({
        kind: "task.succeeded",
        fromState: "running",
        toState: "succeeded",
        createdAt: "2026-01-01T00:00:05.000Z",
      }),
    ]).workflow;
    expect(finished.tasks[0]).toMatchObject({
      state: "succeeded",
      finishedAt: "2026-01-01T00:00:05.000Z",
    });
  });

  it("returns the same object when no event is about this workflow", () => {
    const before = workflow();
    const result = applyWorkflowEvents(before, [
      event({ workflowId: "other", toState: "running" }),
      event({ kind: "agent.registered", taskId: null, workflowId: null }),
    ]);
    expect(result.workflow).toBe(before);
    expect(result.stale).toBe(false);
  });

  it("says stale when an event names a task the cache lacks", () => {
    const result = applyWorkflowEvents(workflow(), [event({ taskId: "new", toState: "queued" })]);
    expect(result.stale).toBe(true);
  });

  it("a retry clears the finish and the agent", () => {
    const failed = applyWorkflowEvents(workflow(), [
      event({ kind: "task.started", toState: "running", agentId: "ag" }),
      event({ kind: "task.retrying", fromState: "running", toState: "queued" }),
    ]).workflow;
    expect(failed.tasks[0]).toMatchObject({ state: "queued", agentId: null, finishedAt: null });
  });
});
