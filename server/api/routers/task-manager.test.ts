import { beforeAll, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();
const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const role of ["orchestrator", "agent", "viewer"] as const) {
    tokens[role] = (await createToken(pg.db, { name: role, role })).secret;
  }
});

function processRequest<T>(role: string, input: unknown) {
  return callProcedure<T>(pg.db, {
    path: "taskManager.processRequest",
    type: "mutation",
    input,
    token: tokens[role],
  });
}

it("runs a task end to end through the seed's process_request interface", async () => {
  const scheduled = await processRequest<{ tasks: { key: string; id: string }[] }>("orchestrator", {
    type: "scheduling",
    workflow: { name: "seed", tasks: [{ key: "only", name: "summarise", payload: { doc: 1 } }] },
  });
  expect(scheduled.status).toBe(200);
  const taskId = scheduled.data.tasks[0]?.id;

  const registered = await processRequest<{ id: string }>("agent", {
    type: "execution",
    action: "register",
    params: { name: "seed agent", capabilities: [] },
  });
  const agentId = registered.data.id;
  const claimed = await processRequest<{ tasks: { id: string; leaseEpoch: number }[] }>("agent", {
    type: "execution",
    action: "claim",
    params: { agentId, max: 1 },
  });
  expect(claimed.data.tasks.map((task) => task.id)).toEqual([taskId]);
  const completed = await processRequest("agent", {
    type: "execution",
    action: "complete",
    params: {
      agentId,
      taskId,
      leaseEpoch: claimed.data.tasks[0]?.leaseEpoch,
      result: { summary: "ok" },
    },
  });
  expect(completed.status).toBe(200);

  const monitored = await processRequest<{ task: { state: string; result: unknown } }>("viewer", {
    type: "monitoring",
    taskId,
  });
  expect(monitored.data.task).toMatchObject({ state: "succeeded", result: { summary: "ok" } });
});

it("applies the dispatched procedure's role: a viewer cannot schedule", async () => {
  const { status } = await processRequest("viewer", {
    type: "scheduling",
    task: { name: "not allowed" },
  });
  expect(status).toBe(403);
});

it("names the offending field of a malformed request", async () => {
  const { status, body } = await processRequest("orchestrator", {
    type: "scheduling",
    task: { name: "" },
  });
  expect(status).toBe(400);
  expect(body.error?.message).toMatch(/name/);
});
