import { expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();

it("an agent submits subtasks only of a task its own agent is running", async () => {
  const agent = await makeAgent(pg.db);
  const stranger = await makeAgent(pg.db);
  const parent = await submit(pg.db, { name: "parent" });
  await claimTasks(pg.db, agent.agentId, 1);
  const subtask = (token: string, parentTaskId?: string) =>
    callProcedure<{ task: { parentTaskId: string } }>(pg.db, {
      path: "tasks.submit",
      type: "mutation",
      input: { name: "child", parentTaskId },
      token,
    });

  const made = await subtask(agent.token, parent.id);
  expect(made.status).toBe(200);
  expect(made.data.task.parentTaskId).toBe(parent.id);

  const orphan = await subtask(agent.token);
  expect(orphan.status).toBe(403);
  expect(orphan.body.error?.message).toMatch(/parentTaskId is required/);

  const foreign = await subtask(stranger.token, parent.id);
  expect(foreign.status).toBe(403);
});
