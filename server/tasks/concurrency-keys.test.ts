import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { createToken } from "@/server/auth/tokens";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, submit } from "@/test/engine";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();
let orchestrator = "";
const connections: ReturnType<typeof createDatabase>[] = [];

beforeAll(async () => {
  orchestrator = (await createToken(pg.db, { name: "orchestrator", role: "orchestrator" })).secret;
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.sql.end()));
});

async function clearQueue() {
  await pg.db.execute(
    sql`update tasks set state = 'cancelled' where state in ('queued', 'blocked', 'running')`,
  );
}

function call(path: string, input: unknown) {
  return callProcedure<{ id: string }>(pg.db, {
    path,
    type: "mutation",
    input,
    token: orchestrator,
  });
}

describe("concurrency keys", () => {
  it("8 agents on their own connections never run more than a key's limit at once", async () => {
    await clearQueue();
    const tasks = Array.from({ length: 120 }, (_, i) => ({
      key: `t${i}`,
      name: `t${i}`,
      ...(i % 3 === 0
        ? { concurrency: { key: "customer-42", limit: 2 } }
        : i % 3 === 1
          ? { concurrency: { key: "customer-7", limit: 3 } }
          : {}),
    }));
    await submitWorkflow(pg.db, submitWorkflowInput.parse({ name: "keys", tasks }), {
      tokenId: null,
    });
    const limits: Record<string, number> = { "customer-42": 2, "customer-7": 3 };
    const peaks: Record<string, number> = {};

    async function runAgent(index: number) {
      const connection = createDatabase(pg.url, { max: 1, applicationName: `keys-${index}` });
      connections.push(connection);
      const agent = await makeAgent(connection.db);
      let held: { taskId: string; leaseEpoch: number }[] = [];
      for (;;) {
        const claimed = await claimTasks(connection.db, agent.agentId, 2);
        // What runs now, read while this agent still holds its previous claim.
        const running = await connection.db.execute<{ key: string; n: number }>(sql`
          select concurrency_key as key, count(*)::int as n from tasks
          where state = 'running' and concurrency_key is not null group by 1`);
        for (const row of running) peaks[row.key] = Math.max(peaks[row.key] ?? 0, row.n);
        if (held.length > 0) await completeTasks(connection.db, agent, held);
        held = claimed.map((task) => ({ taskId: task.id, leaseEpoch: task.leaseEpoch }));
        if (held.length === 0) {
          const [left] = await connection.db.execute<{ n: number }>(
            sql`select count(*)::int as n from tasks where state in ('queued', 'running')`,
          );
          if (left?.n === 0) return;
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, (_, i) => runAgent(i)));

    const [done] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from tasks where workflow_id is not null and state = 'succeeded'`,
    );
    expect(done?.n).toBe(120);
    for (const [key, limit] of Object.entries(limits)) {
      expect(peaks[key], key).toBeLessThanOrEqual(limit);
      // The limit was reached: the check above is not vacuous.
      expect(peaks[key], key).toBe(limit);
    }
  }, 120_000);

  it("steps over a key at its limit to the tasks behind it", async () => {
    await clearQueue();
    const agent = await makeAgent(pg.db);
    for (let i = 0; i < 5; i++) {
      await submit(pg.db, { name: `keyed ${i}`, concurrency: { key: "slow-api", limit: 1 } });
    }
    await submit(pg.db, { name: "free" });
    const claimed = await claimTasks(pg.db, agent.agentId, 4);
    expect(claimed.map((task) => task.name)).toEqual(["keyed 0", "free"]);
    expect(await claimTasks(pg.db, agent.agentId, 4)).toEqual([]);
    const first = claimed[0];
    if (!first) throw new Error("missing");
    await completeTasks(pg.db, agent, [{ taskId: first.id, leaseEpoch: first.leaseEpoch }]);
    expect((await claimTasks(pg.db, agent.agentId, 4)).map((task) => task.name)).toEqual([
      "keyed 1",
    ]);
  });

  it("refuses a limit that contradicts the key's, naming the field", async () => {
    await clearQueue();
    expect(
      (await call("tasks.submit", { name: "a", concurrency: { key: "k1", limit: 2 } })).status,
    ).toBe(200);
    const other = await call("tasks.submit", { name: "b", concurrency: { key: "k1", limit: 3 } });
    expect(other.status).toBe(400);
    expect(other.body.error?.message).toBe(
      'concurrency.limit: key "k1" has limit 2 (1 unfinished tasks use it); one key has one limit',
    );
    const workflow = await call("workflows.submit", {
      name: "w",
      tasks: [
        { key: "x", name: "x", concurrency: { key: "k2", limit: 1 } },
        { key: "y", name: "y", concurrency: { key: "k2", limit: 4 } },
      ],
    });
    expect(workflow.status).toBe(400);
    expect(workflow.body.error?.message).toBe(
      'tasks[1].concurrency.limit: key "k2" has limit 1 in tasks[0].concurrency; one key has one limit',
    );
    const bad = await call("tasks.submit", { name: "c", concurrency: { key: "", limit: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("concurrency");
    // Once every task of a key has finished, a new limit replaces the old one.
    await clearQueue();
    expect(
      (await call("tasks.submit", { name: "d", concurrency: { key: "k1", limit: 5 } })).status,
    ).toBe(200);
    const [row] = await pg.db.execute<{ limit: number }>(
      sql`select "limit" from concurrency_keys where key = 'k1'`,
    );
    expect(row?.limit).toBe(5);
  });
});
