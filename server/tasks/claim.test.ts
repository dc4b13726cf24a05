import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { backdate, defineAgentResource, definePool, makeAgent, submit } from "@/test/engine";
import { callProcedure } from "@/test/trpc-http";

// One database per describe block's needs: each test here cleans the queue first.
const pg = setupTestDatabase();

async function clearQueue() {
  await pg.db.execute(
    sql`update tasks set state = 'cancelled' where state in ('queued', 'blocked')`,
  );
}

describe("claim order and matching", () => {
  it("takes higher priority first, then first queued", async () => {
    await clearQueue();
    const agent = await makeAgent(pg.db);
    const low = await submit(pg.db, { name: "low", priority: 0 });
    const high = await submit(pg.db, { name: "high", priority: 5 });
    const lowLater = await submit(pg.db, { name: "low later", priority: 0 });
    const oneByOne = [];
    for (let i = 0; i < 3; i++) oneByOne.push(...(await claimTasks(pg.db, agent.agentId, 1)));
    expect(oneByOne.map((task) => task.id)).toEqual([high.id, low.id, lowLater.id]);
  });

  it("gives a task only to an agent with every capability it needs", async () => {
    await clearQueue();
    const plain = await makeAgent(pg.db, { capabilities: ["python"] });
    const gpu = await makeAgent(pg.db, { capabilities: ["python", "cuda"] });
    const task = await submit(pg.db, { name: "train", capabilities: ["python", "cuda"] });
    expect(await claimTasks(pg.db, plain.agentId, 5)).toEqual([]);
    expect((await claimTasks(pg.db, gpu.agentId, 5)).map((t) => t.id)).toEqual([task.id]);
  });

  it("holds back a task whose run_at is in the future", async () => {
    await clearQueue();
    const agent = await makeAgent(pg.db);
    const later = await submit(pg.db, {
      name: "later",
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(await claimTasks(pg.db, agent.agentId, 5)).toEqual([]);
    await backdate(pg.db, later.id, "run_at", 1);
    expect((await claimTasks(pg.db, agent.agentId, 5)).map((t) => t.id)).toEqual([later.id]);
  });

  it("a draining agent claims nothing", async () => {
    await clearQueue();
    const agent = await makeAgent(pg.db);
    await submit(pg.db, { name: "waiting" });
    await pg.db.execute(sql`update agents set status = 'draining' where id = ${agent.agentId}`);
    expect(await claimTasks(pg.db, agent.agentId, 5)).toEqual([]);
  });
});

describe("resources", () => {
  it("a full pool holds tasks back until a holder completes, and lower ones go ahead", async () => {
    await clearQueue();
    await definePool(pg.db, "licence", 2);
    const agent = await makeAgent(pg.db);
    const first = await submit(pg.db, { name: "l1", priority: 9, requires: { licence: 2 } });
    const second = await submit(pg.db, { name: "l2", priority: 9, requires: { licence: 1 } });
    const free = await submit(pg.db, { name: "no licence", priority: 0 });
    const claimed = await claimTasks(pg.db, agent.agentId, 10);
    expect(claimed.map((t) => t.id)).toEqual([first.id, free.id]);
    const [pool] = await pg.db.execute<{ in_use: number }>(
      sql`select in_use from resources where name = 'licence'`,
    );
    expect(pool?.in_use).toBe(2);

    const holder = claimed[0];
    if (!holder) throw new Error("missing");
    await completeTasks(pg.db, agent, [{ taskId: holder.id, leaseEpoch: holder.leaseEpoch }]);
    const [after] = await pg.db.execute<{ in_use: number }>(
      sql`select in_use from resources where name = 'licence'`,
    );
    expect(after?.in_use).toBe(0);
    expect((await claimTasks(pg.db, agent.agentId, 10)).map((t) => t.id)).toEqual([second.id]);
    const [open] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from allocations where resource = 'licence' and released_at is null`,
    );
    expect(open?.n).toBe(1);
  });

  it("an agent takes agent-scoped work only up to its own free capacity", async () => {
    await clearQueue();
    await defineAgentResource(pg.db, "slots");
    const small = await makeAgent(pg.db, { capacity: { slots: 3 } });
    const tasks = await Promise.all(
      [1, 2, 3].map((i) => submit(pg.db, { name: `s${i}`, requires: { slots: 2 } })),
    );
    const claimed = await claimTasks(pg.db, small.agentId, 10);
    expect(claimed).toHaveLength(1);
    expect(await claimTasks(pg.db, small.agentId, 10)).toEqual([]);
    const none = await makeAgent(pg.db);
    expect(await claimTasks(pg.db, none.agentId, 10)).toEqual([]);
    expect(tasks).toHaveLength(3);
  });
});

describe("agents.claim over HTTP", () => {
  it("claims only for the token's own agents: another token's agent is FORBIDDEN", async () => {
    await clearQueue();
    const owner = await makeAgent(pg.db);
    const other = await makeAgent(pg.db);
    const task = await submit(pg.db, { name: "mine" });
    const claim = (token: string, agentId: string) =>
      callProcedure<{ tasks: { id: string }[] }>(pg.db, {
        path: "agents.claim",
        type: "mutation",
        input: { agentId, max: 1 },
        token,
      });
    expect((await claim(other.token, owner.agentId)).status).toBe(403);
    expect((await claim(owner.token, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const mine = await claim(owner.token, owner.agentId);
    expect(mine.data.tasks.map((t) => t.id)).toEqual([task.id]);
  });
});
