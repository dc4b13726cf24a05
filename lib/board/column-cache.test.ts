import { describe, expect, it } from "vitest";
import {
  type ColumnData,
  inScope,
  placeTasks,
  removeTask,
  scopeOfInput,
  upsertTask,
} from "./column-cache";
import type { BoardTask } from "./types";

function task(id: string, createdAt: string, patch: Partial<BoardTask> = {}): BoardTask {
  return {
    id,
    name: `task ${id}`,
    type: "render",
    state: "queued",
    priority: 0,
    agentId: null,
    workflowId: null,
    progress: null,
    progressStep: null,
    progressMessage: null,
    attempts: 0,
    cancelReason: null,
    createdAt,
    ...patch,
  };
}

const t = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, "0")}.000Z`;

function column(pages: BoardTask[][], more = false): ColumnData {
  return {
    pages: pages.map((items, index) => ({
      items,
      nextCursor: index === pages.length - 1 && !more ? null : `cursor-${index}`,
    })),
    pageParams: pages.map((_, index) => (index === 0 ? undefined : `cursor-${index - 1}`)),
  };
}

const ids = (data: ColumnData) => data.pages.map((page) => page.items.map((item) => item.id));

describe("column cache", () => {
  it("inserts a task in tasks.list order: newest first, ties by id descending", () => {
    const data = column([[task("c", t(30)), task("a", t(20))], [task("b", t(10))]]);
    expect(ids(upsertTask(data, task("n", t(40))))).toEqual([["n", "c", "a"], ["b"]]);
    expect(ids(upsertTask(data, task("z", t(20))))).toEqual([["c", "z", "a"], ["b"]]);
    expect(ids(upsertTask(data, task("m", t(15))))).toEqual([
      ["c", "a"],
      ["m", "b"],
    ]);
    // Older than all loaded rows: appended when the column is complete...
    expect(ids(upsertTask(data, task("o", t(1))))).toEqual([
      ["c", "a"],
      ["b", "o"],
    ]);
    // ...left to the next page otherwise.
    const partial = column([[task("c", t(30))]], true);
    expect(upsertTask(partial, task("o", t(1)))).toBe(partial);
  });

  it("replaces a task in place and removes it, leaving untouched data as it was", () => {
    const data = column([[task("c", t(30)), task("a", t(20))]]);
    const moved = upsertTask(data, task("a", t(20), { priority: 9 }));
    expect(moved.pages[0]?.items[1]?.priority).toBe(9);
    expect(ids(removeTask(data, "c"))).toEqual([["a"]]);
    expect(removeTask(data, "unknown")).toBe(data);
  });

  it("places each task in or out of a column by state and filters", () => {
    const scope = { states: ["running" as const], filters: { type: "render", text: "FRAME" } };
    const data = column([[task("r", t(10), { state: "running", name: "frame 1" })]]);
    const started = task("s", t(20), { state: "running", name: "Frame 2" });
    const finished = task("r", t(10), { state: "succeeded", name: "frame 1" });
    const otherType = task("o", t(30), { state: "running", name: "frame 3", type: "audio" });
    expect(ids(placeTasks(data, scope, [started, finished, otherType]))).toEqual([["s"]]);
  });

  it("matches the agent and workflow filters exactly", () => {
    const running = task("a", t(1), { agentId: "agent-1", workflowId: "wf-1" });
    expect(inScope(running, { filters: { agentId: "agent-1" } })).toBe(true);
    expect(inScope(running, { filters: { agentId: "agent-2" } })).toBe(false);
    expect(inScope(running, { filters: { workflowId: "wf-2" } })).toBe(false);
  });

  it("reads a scope from a tasks.list input", () => {
    expect(scopeOfInput({ state: "failed", type: "x", limit: 50 })).toEqual({
      states: ["failed"],
      filters: { type: "x", agentId: undefined, workflowId: undefined, text: undefined },
    });
    expect(scopeOfInput({ state: ["queued", "running"] })?.states).toEqual(["queued", "running"]);
    expect(scopeOfInput({})?.states).toBeUndefined();
    expect(scopeOfInput({ state: 3 })).toBeNull();
  });
});
