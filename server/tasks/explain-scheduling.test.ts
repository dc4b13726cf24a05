import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { explainTask } from "@/server/tasks/explain";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import type { SchedulingPolicy } from "@/server/tasks/scheduling-policy";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { definePool, makeAgent, submit } from "@/test/engine";

const pg = setupTestDatabase();
const fifo: SchedulingPolicy = { reserveAfterS: 30, fairness: "fifo" };

async function clearQueue() {
  await pg.db.execute(
    sql`update tasks set state = 'cancelled' where state in ('queued', 'blocked', 'running')`,
  );
  await pg.db.execute(sql`update allocations set released_at = now() where released_at is null`);
  await pg.db.execute(sql`update resources set in_use = 0`);
}

const messages = async (id: string, policy: SchedulingPolicy) =>
  (await explainTask(pg.db, id, policy)).reasons.map((reason) => reason.message);

describe("explain: scheduling reasons", () => {
  it("tells the reserved task and a task the reservation keeps out", async () => {
    await clearQueue();
    await definePool(pg.db, "gpu", 4);
    const agent = await makeAgent(pg.db);
    await submit(pg.db, { name: "holder", requires: { gpu: 2 } });
    await claimTasks(pg.db, agent.agentId, 1, undefined, fifo);
    const big = await submit(pg.db, { name: "big", requires: { gpu: 4 } });
    await pg.db.execute(
      sql`update tasks set queued_at = now() - interval '60 s', run_at = now() - interval '60 s' where id = ${big.id}`,
    );
    const small = await submit(pg.db, { name: "small", requires: { gpu: 1 } });
    const [since] = await pg.db.execute<{ at: string }>(
      sql`select to_json(queued_at + interval '30 s') #>> '{}' as at from tasks where id = ${big.id}`,
    );
    expect(await messages(big.id, fifo)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^reserved 4 of gpu since ${since?.at.replace(/[.+]/g, "\\$&")}, 2 free`),
      ),
    );
    expect(await messages(small.id, fifo)).toContainEqual(
      expect.stringMatching(
        /^4 of gpu reserved for "big" since .+, 2 free: this task could delay it/,
      ),
    );
  });

  it("tells a concurrency key at its limit, naming what runs", async () => {
    await clearQueue();
    const agent = await makeAgent(pg.db);
    const concurrency = { key: "customer-42", limit: 2 };
    await submit(pg.db, { name: "call a", concurrency });
    await submit(pg.db, { name: "call b", concurrency });
    const waiting = await submit(pg.db, { name: "call c", concurrency });
    await claimTasks(pg.db, agent.agentId, 3, undefined, fifo);
    expect(await messages(waiting.id, fifo)).toContain(
      'concurrency key customer-42 at its limit (2 running: "call a", "call b")',
    );
  });

  it("tells how many workflows are ahead in the fair-share rotation", async () => {
    await clearQueue();
    const policy: SchedulingPolicy = { reserveAfterS: 30, fairness: "workflow" };
    for (const name of ["a", "b", "c"]) {
      const tasks = [0, 1].map((i) => ({ key: `${i}`, name: `${name}${i}` }));
      await submitWorkflow(pg.db, submitWorkflowInput.parse({ name, tasks }), { tokenId: null });
    }
    const agent = await makeAgent(pg.db);
    // a runs one task: b and c, with none running, come before a's second.
    await claimTasks(pg.db, agent.agentId, 1, undefined, policy);
    const [aSecond] = await pg.db.execute<{ id: string }>(
      sql`select id from tasks where name like 'a%' and state = 'queued'`,
    );
    if (!aSecond) throw new Error("missing");
    expect(await messages(aSecond.id, policy)).toContain(
      "2 workflows are ahead in the fair-share rotation (fewer tasks running, or as many and waiting longer)",
    );
  });
});
