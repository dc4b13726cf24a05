import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { definePool, makeAgent, submit } from "@/test/engine";

const pg = setupTestDatabase();

async function clearQueue() {
  await pg.db.execute(
    sql`update tasks set state = 'cancelled' where state in ('queued', 'blocked', 'running')`,
  );
  await pg.db.execute(sql`update allocations set released_at = now() where released_at is null`);
  await pg.db.execute(sql`update resources set in_use = 0`);
}

/** Makes a queued task look as if it had waited `seconds` already. */
async function aged(taskId: string, seconds: number) {
  await pg.db.execute(sql`update tasks set queued_at = now() - make_interval(secs => ${seconds}),
    run_at = now() - make_interval(secs => ${seconds}) where id = ${taskId}`);
}

describe("starvation of a big task", () => {
  it("a task needing the whole pool starts while 1-GPU tasks keep arriving", async () => {
    await clearQueue();
    await definePool(pg.db, "gpu", 4);
    const agent = await makeAgent(pg.db);
    for (let i = 0; i < 4; i++) await submit(pg.db, { name: `small ${i}`, requires: { gpu: 1 } });
    const running = await claimTasks(pg.db, agent.agentId, 4);
    expect(running).toHaveLength(4);
    const big = await submit(pg.db, { name: "big", requires: { gpu: 4 } });
    await aged(big.id, 60);

    // A steady stream: each round one small task ends and a new one arrives.
    let bigStarted = false;
    for (let round = 0; round < 12 && !bigStarted; round++) {
      const done = running.shift();
      if (done)
        await completeTasks(pg.db, agent, [{ taskId: done.id, leaseEpoch: done.leaseEpoch }]);
      await submit(pg.db, { name: `arrival ${round}`, requires: { gpu: 1 } });
      const claimed = await claimTasks(pg.db, agent.agentId, 1);
      bigStarted = claimed.some((task) => task.id === big.id);
      running.push(...claimed.filter((task) => task.id !== big.id));
    }
    expect(bigStarted, "the 4-GPU task never started").toBe(true);
  });
});
