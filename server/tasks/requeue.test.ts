import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { completeTasks, requeueTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, definePool, makeAgent, stateOf, submit } from "@/test/engine";

const pg = setupTestDatabase();

async function taskRow(id: string) {
  const [row] = await pg.db.execute<{
    state: string;
    attempts: number;
    agent_id: string | null;
    run_at_due: boolean;
  }>(
    sql`select state, attempts, agent_id, run_at <= now() as run_at_due from tasks where id = ${id}`,
  );
  return row;
}

it("gives a task on its last attempt back to the queue, ready now, the attempt refunded", async () => {
  const agent = await makeAgent(pg.db);
  const other = await makeAgent(pg.db);
  const task = await submit(pg.db, {
    name: "deploy",
    maxAttempts: 1,
    backoff: { baseS: 60, maxS: 60 },
  });
  await claimOnly(pg.db, agent.agentId, task.id);

  const outcomes = await requeueTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: 1 }]);

  expect(outcomes).toEqual([{ taskId: task.id, ok: true }]);
  expect(await taskRow(task.id)).toEqual({
    state: "queued",
    attempts: 0,
    agent_id: null,
    run_at_due: true,
  });
  const [event] = await pg.db.execute<{ kind: string; data: Record<string, unknown> }>(
    sql`select kind, data from task_events where task_id = ${task.id} order by id desc limit 1`,
  );
  expect(event).toMatchObject({ kind: "task.retrying", data: { handedBack: true } });
  // Another agent takes it at once and may still finish it: its only attempt was not spent.
  const claimed = await claimOnly(pg.db, other.agentId, task.id);
  expect(claimed.leaseEpoch).toBe(2);
  await completeTasks(pg.db, other, [{ taskId: task.id, leaseEpoch: 2 }]);
  expect(await stateOf(pg.db, task.id)).toBe("succeeded");
});

it("gives back the resources the attempt held", async () => {
  await definePool(pg.db, "licence", 1);
  const agent = await makeAgent(pg.db);
  const task = await submit(pg.db, { name: "licensed", requires: { licence: 1 } });
  await claimOnly(pg.db, agent.agentId, task.id);
  await requeueTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: 1 }]);
  const [pool] = await pg.db.execute<{ in_use: number }>(
    sql`select in_use from resources where name = 'licence'`,
  );
  expect(Number(pool?.in_use)).toBe(0);
});

it("is fenced: a stale epoch or another agent's lease changes nothing", async () => {
  const agent = await makeAgent(pg.db);
  const other = await makeAgent(pg.db);
  const task = await submit(pg.db, { name: "fenced" });
  await claimOnly(pg.db, agent.agentId, task.id);

  const [stale] = await requeueTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: 7 }]);
  const [foreign] = await requeueTasks(pg.db, other, [{ taskId: task.id, leaseEpoch: 1 }]);

  expect(stale).toMatchObject({ ok: false, code: "CONFLICT" });
  expect(foreign).toMatchObject({ ok: false });
  expect(await taskRow(task.id)).toMatchObject({
    state: "running",
    attempts: 1,
    agent_id: agent.agentId,
  });
});
