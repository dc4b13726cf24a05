import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { schedulingState } from "@/server/resources/scheduling";
import { claimTasks } from "@/server/tasks/claim";
import { explainTask } from "@/server/tasks/explain";
import { completeTasks } from "@/server/tasks/finish";
import type { SchedulingPolicy } from "@/server/tasks/scheduling-policy";
import { setupTestDatabase } from "@/test/db";
import { defineAgentResource, makeAgent, submit } from "@/test/engine";

const pg = setupTestDatabase();
const fifo: SchedulingPolicy = { reserveAfterS: 30, fairness: "fifo" };

async function clearQueue() {
  await pg.db.execute(
    sql`update tasks set state = 'cancelled' where state in ('queued', 'blocked', 'running')`,
  );
  await pg.db.execute(sql`update allocations set released_at = now() where released_at is null`);
  await pg.db.execute(sql`update resources set in_use = 0`);
  await pg.db.execute(sql`update agents set status = 'offline'`);
}

/** Makes a queued task look as if it had waited `seconds` already. */
async function aged(taskId: string, seconds: number) {
  await pg.db.execute(sql`update tasks set queued_at = now() - make_interval(secs => ${seconds}),
    run_at = now() - make_interval(secs => ${seconds}) where id = ${taskId}`);
}

async function heldOn(agentId: string) {
  const rows = await pg.db.execute<{ name: string }>(sql`
    select t.name from allocations a join tasks t on t.id = a.task_id
    where a.agent_id = ${agentId} and a.released_at is null and a.resource = 'gpu_mem'
    order by t.name`);
  return rows.map((row) => row.name);
}

describe("agent-scoped reservations", () => {
  it("a task needing all of an agent's gpu_mem starts while 1-unit tasks keep arriving", async () => {
    await clearQueue();
    await defineAgentResource(pg.db, "gpu_mem");
    // Two agents of 4: the big task fits either, once one of them has all 4 free.
    const agents = [
      await makeAgent(pg.db, { name: "gpu-a", capacity: { gpu_mem: 4 } }),
      await makeAgent(pg.db, { name: "gpu-b", capacity: { gpu_mem: 4 } }),
    ];
    const running: { id: string; leaseEpoch: number; agentId: string }[] = [];
    const claim = async (agentId: string, max: number) => {
      const claimed = await claimTasks(pg.db, agentId, max, undefined, fifo);
      return claimed.map((task) => ({ ...task, agentId }));
    };
    for (const agent of agents) {
      for (let i = 0; i < 4; i++) await submit(pg.db, { name: "small", requires: { gpu_mem: 1 } });
      running.push(...(await claim(agent.agentId, 4)));
    }
    expect(running).toHaveLength(8);
    const big = await submit(pg.db, { name: "big", requires: { gpu_mem: 4 } });
    await aged(big.id, 60);

    // A steady stream: each round a small task ends on each agent in turn and one arrives.
    let bigStarted = false;
    for (let round = 0; round < 16 && !bigStarted; round++) {
      const agent = agents[round % 2];
      if (!agent) throw new Error("missing agent");
      const done = running.findIndex((task) => task.agentId === agent.agentId);
      const [task] = running.splice(done, 1);
      if (task)
        await completeTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: task.leaseEpoch }]);
      await submit(pg.db, { name: "small", requires: { gpu_mem: 1 } });
      for (const claimer of agents) {
        const claimed = await claim(claimer.agentId, 1);
        bigStarted ||= claimed.some((t) => t.id === big.id);
        running.push(...claimed.filter((t) => t.id !== big.id));
      }
    }
    expect(bigStarted, "the 4-unit task never started").toBe(true);
  });

  it("holds the chosen agent's freed gpu_mem under racing claims, and only that agent's", async () => {
    await clearQueue();
    await defineAgentResource(pg.db, "gpu_mem");
    const chosen = await makeAgent(pg.db, { name: "gpu-big", capacity: { gpu_mem: 4 } });
    for (let i = 0; i < 4; i++) {
      await submit(pg.db, { name: `first ${i}`, requires: { gpu_mem: 1 }, timeoutS: 600 });
    }
    const holders = await claimTasks(pg.db, chosen.agentId, 4, undefined, fifo);
    expect(holders).toHaveLength(4);
    const big = await submit(pg.db, { name: "big", requires: { gpu_mem: 4 } });
    await aged(big.id, 60);
    // No timeoutS: each could delay the big task on the agent holding its reservation.
    for (let i = 0; i < 40; i++) {
      await submit(pg.db, { name: `small ${i}`, requires: { gpu_mem: 1 } });
    }

    const connections = Array.from({ length: 8 }, (_, i) =>
      createDatabase(pg.url, { max: 1, applicationName: `racer-${i}` }),
    );
    try {
      // Four claimers for the chosen agent (one agent, several worker processes), and four
      // small agents that cannot fit the big task: the reservation does not bind them.
      const others = await Promise.all(
        connections
          .slice(4)
          .map((c, i) => makeAgent(c.db, { name: `gpu-small-${i}`, capacity: { gpu_mem: 2 } })),
      );
      const claimers = [...Array(4).fill(chosen.agentId), ...others.map((o) => o.agentId)];
      let bigStarted = false;
      let othersClaimed = 0;
      for (const holder of holders) {
        await completeTasks(pg.db, chosen, [{ taskId: holder.id, leaseEpoch: holder.leaseEpoch }]);
        const claims = await Promise.all(
          claimers.map((agentId, i) =>
            claimTasks(connections[i]?.db ?? pg.db, agentId, 2, undefined, fifo),
          ),
        );
        bigStarted ||= claims.flat().some((task) => task.id === big.id);
        othersClaimed += claims.slice(4).flat().length;
        // Until the big task starts, no freed gpu_mem of the chosen agent goes to a small one.
        const onChosen = await heldOn(chosen.agentId);
        if (!bigStarted) expect(onChosen.filter((name) => name.startsWith("small"))).toEqual([]);
      }
      expect(bigStarted).toBe(true);
      expect(await heldOn(chosen.agentId)).toEqual(["big"]);
      expect(othersClaimed, "the other agents kept claiming").toBe(8);
    } finally {
      await Promise.all(connections.map((c) => c.sql.end()));
    }
  }, 60_000);

  it("explain and the Resources page name the agent holding the reservation", async () => {
    await clearQueue();
    await defineAgentResource(pg.db, "gpu_mem");
    const agent = await makeAgent(pg.db, { name: "gpu-x", capacity: { gpu_mem: 4 } });
    await submit(pg.db, { name: "holder", requires: { gpu_mem: 2 } });
    await claimTasks(pg.db, agent.agentId, 1, undefined, fifo);
    const big = await submit(pg.db, { name: "big", requires: { gpu_mem: 4 } });
    await aged(big.id, 60);
    const small = await submit(pg.db, { name: "small", requires: { gpu_mem: 1 } });
    const messages = async (id: string) =>
      (await explainTask(pg.db, id, fifo)).reasons.map((reason) => reason.message);
    const [since] = await pg.db.execute<{ at: string }>(
      sql`select to_json(queued_at + interval '30 s') #>> '{}' as at from tasks where id = ${big.id}`,
    );
    expect(await messages(big.id)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^reserved 4 of gpu_mem on agent gpu-x since ${since?.at.replace(/[.+]/g, "\\$&")}, 2 free`,
        ),
      ),
    );
    expect(await messages(small.id)).toContainEqual(
      expect.stringMatching(
        /^4 of gpu_mem on agent gpu-x reserved for "big" since .+, 2 free: this task could delay it there/,
      ),
    );
    const { reservations } = await schedulingState(pg.db, 30);
    expect(reservations).toContainEqual(
      expect.objectContaining({
        pool: "gpu_mem",
        agent: { id: agent.agentId, name: "gpu-x" },
        taskId: big.id,
        amount: 4,
        free: 2,
      }),
    );
  });
});
