import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
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

describe("backfill around a reservation", () => {
  async function reservedPool() {
    await clearQueue();
    await definePool(pg.db, "gpu", 4);
    const agent = await makeAgent(pg.db);
    // Two holders: one sure to end within 10 minutes, one without a timeout.
    const timed = await submit(pg.db, { name: "timed", requires: { gpu: 2 }, timeoutS: 600 });
    const open = await submit(pg.db, { name: "open", requires: { gpu: 1 } });
    await claimTasks(pg.db, agent.agentId, 2);
    const big = await submit(pg.db, { name: "big", requires: { gpu: 3 } });
    await aged(big.id, 60);
    return { agent, big, timed, open };
  }

  it("refuses a small task that could delay the reserved one, takes one that ends in time", async () => {
    const { agent } = await reservedPool();
    // 1 free; big needs 3, sure by the timed holder's deadline (~600 s from now).
    const forever = await submit(pg.db, { name: "no timeout", requires: { gpu: 1 } });
    const tooLong = await submit(pg.db, { name: "too long", requires: { gpu: 1 }, timeoutS: 3600 });
    const short = await submit(pg.db, { name: "short", requires: { gpu: 1 }, timeoutS: 60 });
    const plain = await submit(pg.db, { name: "no gpu" });
    const claimed = await claimTasks(pg.db, agent.agentId, 10);
    expect(claimed.map((task) => task.id).sort()).toEqual([short.id, plain.id].sort());
    expect(forever.id && tooLong.id).toBeTruthy();
  });

  it("lets tasks without a timeout take capacity beyond the reservation, and no more", async () => {
    await clearQueue();
    await definePool(pg.db, "gpu", 10);
    const agent = await makeAgent(pg.db);
    await submit(pg.db, { name: "holder", requires: { gpu: 6 }, timeoutS: 600 });
    await claimTasks(pg.db, agent.agentId, 1);
    const big = await submit(pg.db, { name: "big", requires: { gpu: 8 } });
    await aged(big.id, 60);
    // 4 free now; when the holder is sure to be done, 10: 2 beyond the reservation's 8.
    for (let i = 0; i < 3; i++) await submit(pg.db, { name: `small ${i}`, requires: { gpu: 1 } });
    const claimed = await claimTasks(pg.db, agent.agentId, 5);
    expect(claimed.map((task) => task.name)).toEqual(["small 0", "small 1"]);
  });

  it("reserves nothing before the task has waited reserve_after_s", async () => {
    await clearQueue();
    await definePool(pg.db, "gpu", 2);
    const agent = await makeAgent(pg.db);
    await submit(pg.db, { name: "holder", requires: { gpu: 1 } });
    await claimTasks(pg.db, agent.agentId, 1);
    const big = await submit(pg.db, { name: "big", requires: { gpu: 2 } });
    await aged(big.id, 10);
    await submit(pg.db, { name: "small", requires: { gpu: 1 } });
    const policy = { reserveAfterS: 30, fairness: "fifo" as const };
    expect(
      (await claimTasks(pg.db, agent.agentId, 1, undefined, policy)).map((t) => t.name),
    ).toEqual(["small"]);
  });
});

describe("a reservation under racing claims", () => {
  it("8 agents on their own connections never hand the reserved GPUs to small tasks", async () => {
    await clearQueue();
    await definePool(pg.db, "gpu", 4);
    const owner = await makeAgent(pg.db, { name: "holder" });
    for (let i = 0; i < 4; i++) await submit(pg.db, { name: `first ${i}`, requires: { gpu: 1 } });
    const holders = await claimTasks(pg.db, owner.agentId, 4);
    const big = await submit(pg.db, { name: "big", requires: { gpu: 4 } });
    await aged(big.id, 60);
    for (let i = 0; i < 40; i++) await submit(pg.db, { name: `small ${i}`, requires: { gpu: 1 } });

    const connections = Array.from({ length: 8 }, (_, i) =>
      createDatabase(pg.url, { max: 1, applicationName: `racer-${i}` }),
    );
    try {
      const racers = await Promise.all(connections.map((c) => makeAgent(c.db)));
      let bigStarted = false;
      for (const holder of holders) {
        await completeTasks(pg.db, owner, [{ taskId: holder.id, leaseEpoch: holder.leaseEpoch }]);
        const claims = await Promise.all(
          racers.map((racer, i) => claimTasks(connections[i]?.db ?? pg.db, racer.agentId, 2)),
        );
        const names = claims.flat().map((task) => task.name);
        bigStarted ||= names.includes("big");
        // Until the big task starts, no freed GPU goes to a small one.
        if (!bigStarted) expect(names).toEqual([]);
      }
      expect(bigStarted).toBe(true);
      const [pool] = await pg.db.execute<{ in_use: number }>(
        sql`select in_use from resources where name = 'gpu'`,
      );
      expect(pool?.in_use).toBe(4);
    } finally {
      await Promise.all(connections.map((c) => c.sql.end()));
    }
  }, 60_000);
});
