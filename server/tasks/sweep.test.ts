import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { reportProgress } from "@/server/tasks/progress";
import { endOverdueAttempts, nextTaskDueAt } from "@/server/tasks/sweep";
import { setupTestDatabase } from "@/test/db";
import { backdate, claimOnly, definePool, makeAgent, stateOf, submit } from "@/test/engine";

const pg = setupTestDatabase();

async function row(taskId: string) {
  const [found] = await pg.db.execute<{
    state: string;
    attempts: number;
    error: { code: string } | null;
    run_at: string;
  }>(
    sql`select state, attempts, error, to_json(run_at) #>> '{}' as run_at from tasks where id = ${taskId}`,
  );
  return found;
}

describe("the overdue sweep", () => {
  it("requeues a task whose lease expired, counting the attempt, with backoff", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, {
      name: "silent",
      maxAttempts: 3,
      backoff: { baseS: 30, maxS: 60 },
    });
    await claimOnly(pg.db, agent.agentId, task.id);
    await backdate(pg.db, task.id, "lease_expires_at", 1);
    expect(await endOverdueAttempts(pg.db)).toBe(1);
    const after = await row(task.id);
    expect(after).toMatchObject({ state: "queued", attempts: 1, error: { code: "lease_expired" } });
    expect(new Date(after?.run_at ?? 0).getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it("fails the task when the expired attempt was its last, and its resources go back", async () => {
    await definePool(pg.db, "quota", 1);
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "last try", maxAttempts: 1, requires: { quota: 1 } });
    await claimOnly(pg.db, agent.agentId, task.id);
    await backdate(pg.db, task.id, "lease_expires_at", 1);
    await endOverdueAttempts(pg.db);
    expect(await stateOf(pg.db, task.id)).toBe("failed");
    const [pool] = await pg.db.execute<{ in_use: number }>(
      sql`select in_use from resources where name = 'quota'`,
    );
    expect(pool?.in_use).toBe(0);
  });

  it("times out a task running longer than timeoutS even while its lease is fresh", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "slow", timeoutS: 10, maxAttempts: 1 });
    await claimOnly(pg.db, agent.agentId, task.id);
    await reportProgress(pg.db, agent, { taskId: task.id, leaseEpoch: 1, fraction: 0.1 });
    expect(await endOverdueAttempts(pg.db)).toBe(0);
    await backdate(pg.db, task.id, "started_at", 11);
    expect(await endOverdueAttempts(pg.db)).toBe(1);
    expect(await row(task.id)).toMatchObject({ state: "failed", error: { code: "timeout" } });
  });

  it("reports the next due time: the earliest lease expiry or run_at", async () => {
    const agent = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "due", leaseS: 5 });
    const claimed = await claimOnly(pg.db, agent.agentId, task.id);
    const next = await nextTaskDueAt(pg.db);
    expect(next?.getTime()).toBe(new Date(claimed.leaseExpiresAt).getTime());
  });
});

describe("fencing", () => {
  it("an agent whose lease expired and was re-claimed cannot progress, complete or fail", async () => {
    const first = await makeAgent(pg.db);
    const second = await makeAgent(pg.db);
    const task = await submit(pg.db, {
      name: "contested",
      maxAttempts: 3,
      backoff: { baseS: 0, maxS: 0 },
    });
    const old = await claimOnly(pg.db, first.agentId, task.id);
    await backdate(pg.db, task.id, "lease_expires_at", 1);
    await endOverdueAttempts(pg.db);
    const fresh = await claimOnly(pg.db, second.agentId, task.id);
    expect(fresh.leaseEpoch).toBe(old.leaseEpoch + 1);

    await expect(
      reportProgress(pg.db, first, { taskId: task.id, leaseEpoch: old.leaseEpoch, fraction: 0.9 }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const [complete] = await completeTasks(pg.db, first, [
      { taskId: task.id, leaseEpoch: old.leaseEpoch },
    ]);
    expect(complete).toMatchObject({ ok: false, code: "CONFLICT" });
    const [fail] = await failTasks(pg.db, first, [
      { taskId: task.id, leaseEpoch: old.leaseEpoch, error: "late", retryable: false },
    ]);
    expect(fail).toMatchObject({ ok: false, code: "CONFLICT" });
    // Even guessing the new epoch does not help an agent that does not hold the lease.
    const [guess] = await completeTasks(pg.db, first, [
      { taskId: task.id, leaseEpoch: fresh.leaseEpoch },
    ]);
    expect(guess).toMatchObject({ ok: false, code: "FORBIDDEN" });

    const [state] = await pg.db.execute<{
      state: string;
      agent_id: string;
      progress: number | null;
    }>(sql`select state, agent_id, progress from tasks where id = ${task.id}`);
    expect(state).toEqual({ state: "running", agent_id: second.agentId, progress: null });
    const [done] = await completeTasks(pg.db, second, [
      { taskId: task.id, leaseEpoch: fresh.leaseEpoch },
    ]);
    expect(done).toEqual({ taskId: task.id, ok: true });
  });
});
