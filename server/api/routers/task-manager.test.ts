import type { inferRouterOutputs } from "@trpc/server";
import { beforeAll, expect, expectTypeOf, it } from "vitest";
import type { AppRouter } from "@/server/api/root";
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

it("names params.<field> of a bad execution param, before any procedure runs", async () => {
  const { status, body } = await processRequest("agent", {
    type: "execution",
    action: "complete",
    params: { agentId: crypto.randomUUID(), taskId: crypto.randomUUID(), leaseEpoch: 0 },
  });
  expect(status).toBe(400);
  const issues = JSON.parse(body.error?.message ?? "[]") as { path: unknown[] }[];
  expect(issues.map((issue) => issue.path.join("."))).toEqual(["params.leaseEpoch"]);

  // A field the procedure does not take is refused as it would be there (strict input).
  const extra = await processRequest("agent", {
    type: "execution",
    action: "claim",
    params: { agentId: crypto.randomUUID(), maxTasks: 2 },
  });
  expect(extra.status).toBe(400);
  expect(extra.body.error?.message).toMatch(/maxTasks/);
  const paths = (JSON.parse(extra.body.error?.message ?? "[]") as { path: unknown[] }[]).map(
    (issue) => issue.path.join("."),
  );
  expect(paths).toEqual(["params"]);
});

it("applies the execution procedure's role: a viewer cannot complete, an orchestrator cannot claim", async () => {
  const lease = { agentId: crypto.randomUUID(), taskId: crypto.randomUUID(), leaseEpoch: 1 };
  const viewer = await processRequest("viewer", {
    type: "execution",
    action: "complete",
    params: lease,
  });
  expect(viewer.status).toBe(403);
  expect(viewer.body.error?.data.code).toBe("FORBIDDEN");
  const orchestrator = await processRequest("orchestrator", {
    type: "execution",
    action: "claim",
    params: { agentId: lease.agentId },
  });
  expect(orchestrator.status).toBe(403);
});

it("answers with the dispatched procedures' own types, not unknown", () => {
  type Outputs = inferRouterOutputs<AppRouter>;
  type Answer = Outputs["taskManager"]["processRequest"];
  expectTypeOf<Answer>().not.toBeUnknown();
  expectTypeOf<Answer>().not.toBeAny();
  expectTypeOf<Outputs["agents"]["register"]>().toExtend<Answer>();
  expectTypeOf<Outputs["agents"]["claim"]>().toExtend<Answer>();
  expectTypeOf<Outputs["tasks"]["complete"]>().toExtend<Answer>();
  expectTypeOf<Outputs["workflows"]["submit"]>().toExtend<Answer>();
  expectTypeOf<{
    task: Outputs["tasks"]["get"];
    explanation: Outputs["tasks"]["explain"];
  }>().toExtend<Answer>();
  // Nothing else: a string (or any stray shape) is not an answer.
  expectTypeOf<string>().not.toExtend<Answer>();
});
