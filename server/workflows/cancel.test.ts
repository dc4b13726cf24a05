import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { createToken } from "@/server/auth/tokens";
import { type ClaimedTask, claimTasks } from "@/server/tasks/claim";
import { setupTestDatabase } from "@/test/db";
import { definePool, makeAgent } from "@/test/engine";
import { dagWithAgent, expectInvariants, statesOf, succeed } from "@/test/workflows";
import { cancelWorkflow } from "./cancel";
import { pauseWorkflow } from "./pause";

const pg = setupTestDatabase();
const operator = { tokenId: "00000000-0000-4000-8000-000000000000", role: "operator" as const };
const connections: ReturnType<typeof createDatabase>[] = [];
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.sql.end()));
});

function ownConnection() {
  const connection = createDatabase(pg.url, { max: 1 });
  connections.push(connection);
  return connection.db;
}

describe("cancelWorkflow", () => {
  it("cancels every unfinished task at once; the running one's agent is fenced off", async () => {
    await definePool(pg.db, "gpu", 2);
    const dag = await dagWithAgent(pg.db, [
      { key: "done" },
      { key: "train", requires: { gpu: 1 } },
      { key: "later", dependsOn: ["train"] },
    ]);
    const claimed = await dag.claim();
    const done = claimed.find((task) => task.id === dag.ids.done) as ClaimedTask;
    const train = claimed.find((task) => task.id === dag.ids.train) as ClaimedTask;
    await succeed(pg.db, dag.agent, [done]);

    const result = await cancelWorkflow(pg.db, dag.workflowId, "changed my mind", operator);
    expect(result).toEqual({ id: dag.workflowId, cancelled: 2 });
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({
      done: "succeeded",
      train: "cancelled",
      later: "cancelled",
    });
    const [pool] = await pg.db.execute<{ in_use: number }>(
      sql`select in_use from resources where name = 'gpu'`,
    );
    expect(pool?.in_use).toBe(0);

    // The agent's late completion is refused and writes nothing.
    const eventsBefore = await pg.db.execute(sql`select id from task_events`);
    const [outcome] = await succeed(pg.db, dag.agent, [train]);
    expect(outcome).toMatchObject({ ok: false, code: "CONFLICT" });
    const [row] = await pg.db.execute<{ state: string; result: unknown; cancel_reason: string }>(
      sql`select state, result, cancel_reason from tasks where id = ${train.id}`,
    );
    expect(row).toEqual({ state: "cancelled", result: null, cancel_reason: "changed my mind" });
    expect(await pg.db.execute(sql`select id from task_events`)).toHaveLength(eventsBefore.length);
    await expectInvariants(pg.db);

    const events = await pg.db.execute<{ kind: string; data: Record<string, unknown> }>(sql`
      select kind, data from task_events where workflow_id = ${dag.workflowId}
        and kind in ('task.cancelled', 'workflow.cancelled') order by id`);
    expect(events.map((event) => event.kind).sort()).toEqual([
      "task.cancelled",
      "task.cancelled",
      "workflow.cancelled",
    ]);
    expect(events.at(-1)?.data).toMatchObject({ reason: "changed my mind", cancelled: 2 });
  });

  it("is idempotent on a cancelled workflow and refuses a finished one", async () => {
    const dag = await dagWithAgent(pg.db, [{ key: "a" }]);
    await cancelWorkflow(pg.db, dag.workflowId, "stop", operator);
    expect(await cancelWorkflow(pg.db, dag.workflowId, "stop", operator)).toEqual({
      id: dag.workflowId,
      cancelled: 0,
    });
    const finished = await dagWithAgent(pg.db, [{ key: "a" }]);
    await succeed(pg.db, finished.agent, await finished.claim());
    await expect(
      cancelWorkflow(pg.db, finished.workflowId, "stop", operator),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("it has succeeded, no task is left to cancel"),
    });
  });

  it("ends a pause, and is refused to another orchestrator", async () => {
    const { token: owner } = await createToken(pg.db, { name: "owner", role: "orchestrator" });
    const { token: other } = await createToken(pg.db, { name: "other", role: "orchestrator" });
    const dag = await dagWithAgent(pg.db, [{ key: "a" }], { tokenId: owner.id });
    const ownerActor = { tokenId: owner.id, role: "orchestrator" as const };
    await pauseWorkflow(pg.db, dag.workflowId, ownerActor);
    await expect(
      cancelWorkflow(pg.db, dag.workflowId, "mine now", {
        tokenId: other.id,
        role: "orchestrator",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      cancelWorkflow(pg.db, "00000000-0000-4000-8000-00000000abcd", "x", ownerActor),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await cancelWorkflow(pg.db, dag.workflowId, "stop", ownerActor);
    const [row] = await pg.db.execute<{ paused_at: string | null }>(
      sql`select paused_at from workflows where id = ${dag.workflowId}`,
    );
    expect(row?.paused_at).toBeNull();
  });
});

describe("cancel racing claims", () => {
  it("leaves nothing running, no capacity held, and fences every agent that claimed", async () => {
    await definePool(pg.db, "race_pool", 1000);
    const TASKS = 200;
    const AGENTS = 6;
    const dag = await dagWithAgent(
      pg.db,
      Array.from({ length: TASKS }, (_, i) => ({ key: `t${i}`, requires: { race_pool: 1 } })),
    );
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, () => makeAgent(pg.db, { capabilities: [dag.capability] })),
    );
    let cancelled = false;
    const claimedBy = new Map<string, { agent: (typeof agents)[number]; task: ClaimedTask }>();
    // Each agent claims in a loop on its own connection until the cancel has committed.
    const claimers = agents.map(async (agent) => {
      const db = ownConnection();
      while (!cancelled) {
        for (const task of await claimTasks(db, agent.agentId, 3))
          claimedBy.set(task.id, { agent, task });
      }
    });
    // Cancel once some claims have landed, while the others go on.
    while (claimedBy.size < 10) await new Promise((resolve) => setImmediate(resolve));
    const result = await cancelWorkflow(ownConnection(), dag.workflowId, "race", operator);
    cancelled = true;
    await Promise.all(claimers);

    const states = await statesOf(pg.db, dag.workflowId);
    expect(new Set(Object.values(states))).toEqual(new Set(["cancelled"]));
    expect(result.cancelled).toBe(TASKS);
    await expectInvariants(pg.db);
    const [pool] = await pg.db.execute<{ in_use: number }>(
      sql`select in_use from resources where name = 'race_pool'`,
    );
    expect(pool?.in_use).toBe(0);
    // Every agent that got a task before the cancel is refused when it completes it.
    for (const { agent, task } of claimedBy.values()) {
      const [outcome] = await succeed(pg.db, agent, [task]);
      expect(outcome).toMatchObject({ ok: false, code: "CONFLICT" });
    }
    const [succeeded] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks where workflow_id = ${dag.workflowId} and result is not null`,
    );
    expect(succeeded?.n).toBe(0);
  });
});
