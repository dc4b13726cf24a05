import { describe, expect, it } from "vitest";
import { type AgentItem, applyAgentStatuses, removeEndedTasks, type TaskList } from "./agent-cache";

const agent = (id: string, status: AgentItem["status"]) => ({ id, status }) as AgentItem;
const event = (kind: string, ids: { agentId?: string; taskId?: string }) => ({
  kind,
  agentId: ids.agentId ?? null,
  taskId: ids.taskId ?? null,
});

describe("applyAgentStatuses", () => {
  it("sets the status each agent event reports, the last one winning", () => {
    const agents = [agent("a", "online"), agent("b", "draining"), agent("c", "online")];
    const next = applyAgentStatuses(agents, [
      event("agent.draining", { agentId: "a" }),
      event("agent.resumed", { agentId: "b" }),
      event("agent.offline", { agentId: "c" }),
      event("agent.resumed", { agentId: "c" }),
    ]);
    expect(next?.map((a) => a.status)).toEqual(["draining", "online", "online"]);
  });

  it("returns the same list when nothing changes", () => {
    const agents = [agent("a", "online")];
    expect(applyAgentStatuses(agents, [event("task.started", { agentId: "a" })])).toBe(agents);
    expect(applyAgentStatuses(agents, [event("agent.resumed", { agentId: "a" })])?.[0]).toBe(
      agents[0],
    );
  });
});

describe("removeEndedTasks", () => {
  const list = { items: [{ id: "t1" }, { id: "t2" }], nextCursor: null } as unknown as TaskList;

  it("drops tasks whose attempt ended, retries included", () => {
    const next = removeEndedTasks(list, [
      event("task.succeeded", { taskId: "t1" }),
      event("task.retrying", { taskId: "t2" }),
    ]);
    expect(next?.items).toEqual([]);
  });

  it("keeps the list as it is for other events", () => {
    expect(removeEndedTasks(list, [event("task.progress", { taskId: "t1" })])).toBe(list);
    expect(removeEndedTasks(undefined, [event("task.failed", { taskId: "t1" })])).toBeUndefined();
  });
});
