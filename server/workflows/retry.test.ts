import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/db/client";
import { createToken } from "@/server/auth/tokens";
import { completeAndClaim } from "@/server/tasks/complete-and-claim";
import { cancelTask } from "@/server/tasks/operate";
import { setupTestDatabase } from "@/test/db";
import { dagWithAgent, expectInvariants, failForGood, statesOf, succeed } from "@/test/workflows";
import { retryTaskWithDependents, retryWorkflow } from "./retry";

const pg = setupTestDatabase();
const operator = { tokenId: "00000000-0000-4000-8000-000000000000", role: "operator" as const };
const connections: ReturnType<typeof createDatabase>[] = [];
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.sql.end()));
});

/** a → b → c and a → d, with e independent: a fails, so b, c, d are cancelled upstream_failed. */
async function failedDiamond() {
  const dag = await dagWithAgent(pg.db, [
    { key: "a" },
    { key: "e" },
    { key: "b", dependsOn: ["a"] },
    { key: "c", dependsOn: ["b"] },
    { key: "d", dependsOn: ["a"] },
  ]);
  const claimed = await dag.claim();
  const byId = new Map(claimed.map((task) => [task.id, task]));
  const a = byId.get(dag.ids.a as string);
  const e = byId.get(dag.ids.e as string);
  if (!a || !e) throw new Error("a and e should both be claimed");
  await succeed(pg.db, dag.agent, [e]);
  await failForGood(pg.db, dag.agent, [a]);
  expect(await statesOf(pg.db, dag.workflowId)).toEqual({
    a: "failed",
    b: "cancelled",
    c: "cancelled",
    d: "cancelled",
    e: "succeeded",
  });
  return dag;
}

describe("retryWorkflow", () => {
  it("re-queues failed tasks, puts what their failure cancelled back to blocked, keeps successes", async () => {
    const dag = await failedDiamond();
    const [eBefore] = await pg.db.execute<{ result: unknown; finished_at: string }>(
      sql`select result, finished_at::text from tasks where id = ${dag.ids.e}`,
    );
    const result = await retryWorkflow(pg.db, dag.workflowId, operator);
    expect(result.queued).toEqual([dag.ids.a]);
    expect(result.blocked.sort()).toEqual([dag.ids.b, dag.ids.c, dag.ids.d].sort());
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({
      a: "queued",
      b: "blocked",
      c: "blocked",
      d: "blocked",
      e: "succeeded",
    });
    const [eAfter] = await pg.db.execute(
      sql`select result, finished_at::text from tasks where id = ${dag.ids.e}`,
    );
    expect(eAfter).toEqual(eBefore);
    const [a] = await pg.db.execute<{ attempts: number; error: unknown }>(
      sql`select attempts, error from tasks where id = ${dag.ids.a}`,
    );
    expect(a).toEqual({ attempts: 0, error: null });
    await expectInvariants(pg.db);

    // The run completes from here: the counters were right.
    for (let round = 0; round < 3; round++) await succeed(pg.db, dag.agent, await dag.claim());
    expect(Object.values(await statesOf(pg.db, dag.workflowId))).toEqual(
      Array(5).fill("succeeded"),
    );

    // The history keeps the failed attempt, then the retry, then the new attempt.
    const events = await pg.db.execute<{ kind: string; data: { attempt?: number } }>(
      sql`select kind, data from task_events where task_id = ${dag.ids.a} order by id`,
    );
    expect(events.map((event) => event.kind)).toEqual([
      "task.submitted",
      "task.started",
      "task.failed",
      "task.queued",
      "task.started",
      "task.succeeded",
    ]);
    expect(events[4]?.data.attempt).toBe(1);
    const [workflowEvent] = await pg.db.execute<{ workflow_id: string; data: unknown }>(
      sql`select workflow_id, data from task_events where kind = 'workflow.retried' and workflow_id = ${dag.workflowId}`,
    );
    expect(workflowEvent?.data).toMatchObject({ queued: 1, blocked: 3 });
  });

  it("answers a second retry with nothing retried, and refuses one with nothing failed", async () => {
    const dag = await failedDiamond();
    await retryWorkflow(pg.db, dag.workflowId, operator);
    expect(await retryWorkflow(pg.db, dag.workflowId, operator)).toMatchObject({
      queued: [],
      blocked: [],
    });
    for (let round = 0; round < 3; round++) await succeed(pg.db, dag.agent, await dag.claim());
    await expect(retryWorkflow(pg.db, dag.workflowId, operator)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("succeeded and no task failed"),
    });
  });

  it("leaves a task that an upstream cancelled by request still dooms", async () => {
    // x is cancelled by an operator: j (all_success on a and x) must stay cancelled.
    const dag = await dagWithAgent(pg.db, [
      { key: "a" },
      { key: "x", dependsOn: ["a"] },
      { key: "y" },
      { key: "j", dependsOn: ["y", "x"] },
      { key: "k", dependsOn: ["y"] },
    ]);
    await cancelTask(pg.db, dag.ids.x as string, "not wanted");
    const claimed = await dag.claim();
    const a = claimed.find((task) => task.id === dag.ids.a);
    const y = claimed.find((task) => task.id === dag.ids.y);
    if (!a || !y) throw new Error("a and y should be claimed");
    await failForGood(pg.db, dag.agent, [y]);
    await succeed(pg.db, dag.agent, [a]);
    await retryWorkflow(pg.db, dag.workflowId, operator);
    expect(await statesOf(pg.db, dag.workflowId)).toMatchObject({
      y: "queued",
      k: "blocked",
      j: "cancelled",
      x: "cancelled",
    });
    await expectInvariants(pg.db);
  });

  it("counts an all_done dependent's retried upstream as pending again", async () => {
    const dag = await dagWithAgent(pg.db, [
      { key: "a" },
      { key: "b", dependsOn: ["a"] },
      { key: "report", dependsOn: ["a"], triggerRule: "all_done" },
    ]);
    await failForGood(pg.db, dag.agent, await dag.claim());
    // report ran after a's failure (all_done) and failed too; b was cancelled.
    await failForGood(pg.db, dag.agent, await dag.claim());
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({
      a: "failed",
      b: "cancelled",
      report: "failed",
    });
    await retryWorkflow(pg.db, dag.workflowId, operator);
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({
      a: "queued",
      b: "blocked",
      report: "blocked",
    });
    await expectInvariants(pg.db);
  });

  it("is refused to an orchestrator whose token did not submit the workflow", async () => {
    const { token: owner } = await createToken(pg.db, { name: "owner", role: "orchestrator" });
    const { token: other } = await createToken(pg.db, { name: "other", role: "orchestrator" });
    const dag = await dagWithAgent(pg.db, [{ key: "a" }], { tokenId: owner.id });
    await failForGood(pg.db, dag.agent, await dag.claim());
    await expect(
      retryWorkflow(pg.db, dag.workflowId, { tokenId: other.id, role: "orchestrator" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({ a: "failed" });
    await retryWorkflow(pg.db, dag.workflowId, { tokenId: owner.id, role: "orchestrator" });
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({ a: "queued" });
  });
});

describe("retryTaskWithDependents", () => {
  it("re-runs the task and what its failure cancelled, not the workflow's other failures", async () => {
    const dag = await dagWithAgent(pg.db, [
      { key: "a" },
      { key: "f" },
      { key: "b", dependsOn: ["a"] },
      { key: "g", dependsOn: ["f"] },
    ]);
    await failForGood(pg.db, dag.agent, await dag.claim());
    const result = await retryTaskWithDependents(pg.db, dag.ids.a as string);
    expect(result).toEqual({ queued: [dag.ids.a], blocked: [dag.ids.b], waiting: [] });
    expect(await statesOf(pg.db, dag.workflowId)).toEqual({
      a: "queued",
      b: "blocked",
      f: "failed",
      g: "cancelled",
    });
    await expect(retryTaskWithDependents(pg.db, dag.ids.g as string)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("retry that one"),
    });
    await expect(retryTaskWithDependents(pg.db, dag.ids.a as string)).rejects.toMatchObject({
      code: "CONFLICT",
      message: "cannot retry a task that is queued",
    });
    await expectInvariants(pg.db);
  });
});

/** A completion as the agents' calls make it: tasks.complete, or completeMany (one round trip). */
const completers = {
  completeTasks: succeed,
  "completeAndClaim, one round trip": (
    db: Database,
    agent: { agentId: string; tokenId: string },
    claimed: { id: string; leaseEpoch: number }[],
  ) =>
    completeAndClaim(
      db,
      { ...agent, isAdmin: false },
      claimed.map((task) => ({ taskId: task.id, leaseEpoch: task.leaseEpoch })),
      {
        max: 0,
        principal: { tokenId: agent.tokenId, tokenName: "agent", role: "agent", via: "bearer" },
      },
      { checkOwner: true },
    ).then((done) => done.results),
};

describe("retry racing completions", () => {
  it.each(Object.keys(completers) as (keyof typeof completers)[])(
    "keeps every counter right while agents complete the workflow's other tasks (%s)",
    async (completer) => {
      // Many independent fan-ins: each j_i waits for a (which failed) and for r_i (running).
      const WIDTH = 30;
      const tasks = [{ key: "a" }];
      for (let i = 0; i < WIDTH; i++) {
        tasks.push({ key: `r${i}` }, { key: `j${i}`, dependsOn: ["a", `r${i}`] } as never);
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const dag = await dagWithAgent(pg.db, tasks);
        const claimed = await dag.claim(1000);
        const a = claimed.filter((task) => task.id === dag.ids.a);
        const running = claimed.filter((task) => task.id !== dag.ids.a);
        await failForGood(pg.db, dag.agent, a);
        const own = () => {
          const connection = createDatabase(pg.url, { max: 1 });
          connections.push(connection);
          return connection.db;
        };
        // Each completion on its own connection, all racing one retry.
        const completions = running.map((task) => completers[completer](own(), dag.agent, [task]));
        const [retry, ...outcomes] = await Promise.all([
          retryWorkflow(own(), dag.workflowId, operator),
          ...completions,
        ]);
        expect(outcomes.flat().every((outcome) => outcome.ok)).toBe(true);
        expect(retry.queued).toEqual([dag.ids.a]);
        await expectInvariants(pg.db);
        // No task both succeeded and re-queued: the r_i that completed stay succeeded.
        const states = await statesOf(pg.db, dag.workflowId);
        for (let i = 0; i < WIDTH; i++) {
          expect(states[`r${i}`]).toBe("succeeded");
          expect(states[`j${i}`]).toBe("blocked");
        }
        // And the run finishes: a, then every j_i.
        await succeed(pg.db, dag.agent, await dag.claim(1000));
        await succeed(pg.db, dag.agent, await dag.claim(1000));
        expect(new Set(Object.values(await statesOf(pg.db, dag.workflowId)))).toEqual(
          new Set(["succeeded"]),
        );
      }
    },
  );
});
