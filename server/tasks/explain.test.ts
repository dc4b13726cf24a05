import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agents } from "@/db/schema/agents";
import { allocations, resources } from "@/db/schema/resources";
import { taskDependencies, tasks } from "@/db/schema/tasks";
import { setupTestDatabase } from "@/test/db";
import { type AgentInsert, insertAgentRow, insertTaskRow, type TaskInsert } from "@/test/rows";
import { explainTask } from "./explain";

const pg = setupTestDatabase();

/** Queued tasks here have a queue time, as a real submission gives them. */
const insertTask = (values: Partial<TaskInsert> = {}) =>
  insertTaskRow(pg.db, { queuedAt: sql`now()`, ...values });
const insertAgent = (values: Partial<AgentInsert> = {}) => insertAgentRow(pg.db, values);

/** A running task holding `amount` of `resource` on `agentId`, as a claim leaves it. */
async function holding(name: string, resource: string, amount: number, agentId: string) {
  const task = await insertTask({ name, state: "running", agentId, leaseEpoch: 1 });
  await pg.db
    .insert(allocations)
    .values({ taskId: task.id, leaseEpoch: 1, agentId, resource, amount });
  return task;
}

const kinds = async (taskId: string) =>
  (await explainTask(pg.db, taskId)).reasons.map((reason) => reason.kind);

beforeAll(async () => {
  await pg.db.insert(resources).values([
    { name: "licences", scope: "pool", capacity: 2 },
    { name: "cpu", scope: "agent" },
  ]);
});

beforeEach(async () => {
  // Each test builds the fleet and the queue it explains.
  await pg.db.delete(allocations);
  await pg.db.delete(tasks);
  await pg.db.delete(agents);
  await pg.db.update(resources).set({ inUse: 0 });
});

describe("explainTask", () => {
  it("names the blocking dependency", async () => {
    await insertAgent();
    const extract = await insertTask({ name: "extract", state: "running" });
    const clean = await insertTask({ name: "clean", state: "succeeded" });
    const load = await insertTask({ name: "load", state: "blocked", pendingDeps: 1 });
    await pg.db.insert(taskDependencies).values([
      { taskId: load.id, dependsOnId: extract.id },
      { taskId: load.id, dependsOnId: clean.id },
    ]);

    const explanation = await explainTask(pg.db, load.id);
    expect(explanation.state).toBe("blocked");
    expect(explanation.reasons).toEqual([
      {
        kind: "dependencies",
        tasks: [{ id: extract.id, name: "extract", state: "running" }],
        message: 'waiting for 1 unfinished dependency: "extract" (running)',
      },
    ]);
  });

  it("names the full pool with its holders", async () => {
    const agent = await insertAgent();
    const a = await holding("render a", "licences", 1, agent.id);
    const b = await holding("render b", "licences", 1, agent.id);
    await pg.db.update(resources).set({ inUse: 2 }).where(sql`name = 'licences'`);
    const waiting = await insertTask({ name: "render c", requires: { licences: 1 } });

    const [reason] = (await explainTask(pg.db, waiting.id)).reasons;
    expect(reason).toMatchObject({
      kind: "pool_full",
      pool: "licences",
      capacity: 2,
      inUse: 2,
      requested: 1,
      holders: [
        { taskId: a.id, taskName: "render a", amount: 1, agentId: agent.id },
        { taskId: b.id, taskName: "render b", amount: 1, agentId: agent.id },
      ],
    });
    expect(reason?.message).toBe(
      'pool "licences" is full: 2 of 2 in use, this task needs 1; held by "render a" (1), "render b" (1)',
    );
  });

  it("names the missing capability", async () => {
    await insertAgent({ capabilities: ["python"] });
    // A draining agent claims nothing, so its capability does not count.
    await insertAgent({ capabilities: ["gpu"], status: "draining" });
    await insertAgent({ capabilities: ["cuda"], status: "offline" });
    const task = await insertTask({ capabilities: ["python", "gpu", "cuda"] });

    expect((await explainTask(pg.db, task.id)).reasons).toEqual([
      { kind: "capability", capability: "gpu", message: 'no online agent has capability "gpu"' },
      { kind: "capability", capability: "cuda", message: 'no online agent has capability "cuda"' },
    ]);
  });

  it("counts the claimable tasks ahead of it", async () => {
    await insertAgent();
    const at = (s: number) => sql`now() - make_interval(secs => ${s})`;
    await insertTask({ name: "higher", priority: 5, queuedAt: at(1) });
    await insertTask({ name: "same, earlier", priority: 0, queuedAt: at(30) });
    const target = await insertTask({ name: "target", priority: 0, queuedAt: at(20) });
    await insertTask({ name: "same, later", priority: 0, queuedAt: at(10) });
    await insertTask({ name: "lower, earlier", priority: -1, queuedAt: at(60) });
    await insertTask({ name: "not due", priority: 9, runAt: sql`now() + interval '1 hour'` });
    await insertTask({ name: "running", priority: 9, state: "running" });

    const fifo = { reserveAfterS: 30, fairness: "fifo" as const };
    expect((await explainTask(pg.db, target.id, fifo)).reasons).toEqual([
      {
        kind: "priority",
        ahead: 2,
        message:
          "2 claimable tasks are ahead of it (higher priority, or same priority and queued earlier)",
      },
    ]);
  });

  it("names the agent-scoped resource no capable agent has free", async () => {
    const small = await insertAgent({ capabilities: ["render"], capacity: { cpu: 8 } });
    await insertAgent({ capabilities: [], capacity: { cpu: 64 } });
    await holding("busy", "cpu", 6, small.id);
    const task = await insertTask({ capabilities: ["render"], requires: { cpu: 4 } });

    expect((await explainTask(pg.db, task.id)).reasons).toEqual([
      {
        kind: "agent_resource",
        resources: [{ resource: "cpu", requested: 4, bestFree: 2 }],
        message: "no online agent with the needed capabilities has 4 cpu free (most free: 2)",
      },
    ]);
  });

  it("gives the reasons in order, and none once a claim could take the task", async () => {
    await insertAgent({ capabilities: ["python"], capacity: { cpu: 4 } });
    const upstream = await insertTask({ name: "upstream", state: "queued" });
    const task = await insertTask({
      state: "blocked",
      pendingDeps: 1,
      runAt: sql`now() + interval '1 hour'`,
      capabilities: ["gpu"],
      requires: { licences: 3 },
    });
    await pg.db.insert(taskDependencies).values({ taskId: task.id, dependsOnId: upstream.id });
    expect(await kinds(task.id)).toEqual(["dependencies", "run_at", "capability", "pool_full"]);

    const ready = await insertTask({ capabilities: ["python"], requires: { cpu: 4, licences: 1 } });
    expect(await kinds(ready.id)).toEqual(["priority"]);
    expect(await kinds(upstream.id)).toEqual([]);
  });

  it("tells who runs a running task, and how a finished one ended", async () => {
    const agent = await insertAgent({ name: "worker-7" });
    const running = await insertTask({
      state: "running",
      agentId: agent.id,
      leaseExpiresAt: new Date("2030-01-01T00:00:00Z"),
    });
    expect(await explainTask(pg.db, running.id)).toEqual({
      taskId: running.id,
      state: "running",
      agent: { id: agent.id, name: "worker-7" },
      leaseExpiresAt: new Date("2030-01-01T00:00:00Z"),
      reasons: [],
    });
    const cancelled = await insertTask({ state: "cancelled", cancelReason: "upstream_failed" });
    expect(await explainTask(pg.db, cancelled.id)).toMatchObject({
      state: "cancelled",
      cancelReason: "upstream_failed",
      reasons: [],
    });
    await expect(explainTask(pg.db, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
