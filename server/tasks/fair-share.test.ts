import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/db/client";
import { createToken } from "@/server/auth/tokens";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { submitTaskInput, submitWorkflowInput } from "@/server/tasks/inputs";
import type { SchedulingPolicy } from "@/server/tasks/scheduling-policy";
import { submitTask } from "@/server/tasks/submit";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, submit } from "@/test/engine";

const pg = setupTestDatabase();

async function clearQueue() {
  await pg.db.execute(
    sql`update tasks set state = 'cancelled' where state in ('queued', 'blocked', 'running')`,
  );
}

async function workflow(name: string, size: number, priority = 0, capabilities: string[] = []) {
  const params = submitWorkflowInput.parse({
    name,
    tasks: Array.from({ length: size }, (_, i) => ({
      key: `${i}`,
      name: `${name}${i}`,
      priority,
      capabilities,
    })),
  });
  await submitWorkflow(pg.db, params, { tokenId: null });
}

async function claimOneByOne(count: number, fairness: SchedulingPolicy["fairness"]) {
  const agent = await makeAgent(pg.db);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const claimed = await claimTasks(pg.db, agent.agentId, 1, undefined, {
      reserveAfterS: 30,
      fairness,
    });
    names.push(...claimed.map((task) => task.name));
  }
  return workflowsOf(names);
}

/**
 * The workflow of each claimed task, in claim order: a workflow's tasks share one queued_at,
 * so which of them comes first is their (random) id's business.
 */
function workflowsOf(names: string[]) {
  return names.map((name) => name.replace(/\d+$/, ""));
}

describe("fair share", () => {
  it("fifo drains the first workflow before the second starts", async () => {
    await clearQueue();
    await workflow("big", 6);
    await workflow("small", 3);
    expect(await claimOneByOne(6, "fifo")).toEqual(Array(6).fill("big"));
  });

  it("workflow: claims rotate across workflows, running tasks counted", async () => {
    await clearQueue();
    await workflow("big", 6);
    await workflow("small", 3);
    expect(await claimOneByOne(8, "workflow")).toEqual(
      "big small big small big small big big".split(" "),
    );
  });

  it("one batch deals one task per workflow in turn", async () => {
    await clearQueue();
    await workflow("a", 4);
    await workflow("b", 4);
    await workflow("c", 1);
    const agent = await makeAgent(pg.db);
    const claimed = await claimTasks(pg.db, agent.agentId, 5, undefined, {
      reserveAfterS: 30,
      fairness: "workflow",
    });
    expect(workflowsOf(claimed.map((task) => task.name))).toEqual(["a", "b", "c", "a", "b"]);
  });

  it("priorities still win over the rotation", async () => {
    await clearQueue();
    await workflow("low", 3);
    await workflow("urgent", 2, 5);
    expect(await claimOneByOne(4, "workflow")).toEqual(["urgent", "urgent", "low", "low"]);
  });

  it("a claim running beside another still sees the small workflow's tasks the other did not take", async () => {
    await clearQueue();
    await workflow("big", 6);
    await workflow("small", 1);
    const policy: SchedulingPolicy = { reserveAfterS: 30, fairness: "workflow" };
    const first = createDatabase(pg.url, { max: 1, applicationName: "first-claim" });
    try {
      const [a, b] = [await makeAgent(pg.db), await makeAgent(pg.db)];
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let claimedFirst: () => void = () => {};
      const firstDone = new Promise<void>((resolve) => {
        claimedFirst = resolve;
      });
      // The first claim takes one task (big's, the older on a tie) and stays uncommitted.
      const open = first.db.transaction(async (tx) => {
        // A savepoint inside the open transaction: its locks last until the outer commit.
        const claimed = await claimTasks(
          tx as unknown as Database,
          a.agentId,
          1,
          undefined,
          policy,
        );
        claimedFirst();
        await held;
        return claimed;
      });
      await firstDone;
      const second = await claimTasks(pg.db, b.agentId, 2, undefined, policy);
      release();
      expect(workflowsOf((await open).map((task) => task.name))).toEqual(["big"]);
      expect(workflowsOf(second.map((task) => task.name)).sort()).toEqual(["big", "small"]);
    } finally {
      await first.sql.end();
    }
  });

  it("submitter: rotates across submitting tokens, whatever their workflows", async () => {
    await clearQueue();
    const tokens = await Promise.all(
      ["alice", "bob"].map(
        async (name) => (await createToken(pg.db, { name, role: "orchestrator" })).token.id,
      ),
    );
    for (let i = 0; i < 4; i++) {
      await submitTask(pg.db, submitTaskInput.parse({ name: `alice${i}` }), {
        tokenId: tokens[0] ?? null,
      });
    }
    for (let i = 0; i < 2; i++) {
      await submitTask(pg.db, submitTaskInput.parse({ name: `bob${i}` }), {
        tokenId: tokens[1] ?? null,
      });
    }
    expect(await claimOneByOne(5, "submitter")).toEqual(["alice", "bob", "alice", "bob", "alice"]);
  });

  // A batch first asks each group for its share only (claim-order.ts); these cover the groups
  // that cannot give it, where the others must make up the difference.
  it("a batch takes more from the others when a group has fewer tasks than its share", async () => {
    await clearQueue();
    await workflow("a", 1);
    await workflow("b", 5);
    const agent = await makeAgent(pg.db);
    const claimed = await claimTasks(pg.db, agent.agentId, 4, undefined, fair);
    expect(workflowsOf(claimed.map((task) => task.name))).toEqual(["a", "b", "b", "b"]);
  });

  it("a batch takes more from the others when the agent cannot take a group's tasks", async () => {
    await clearQueue();
    await workflow("gpu", 4, 0, ["gpu"]);
    await workflow("b", 4);
    await workflow("c", 4);
    const agent = await makeAgent(pg.db);
    const claimed = await claimTasks(pg.db, agent.agentId, 6, undefined, fair);
    expect(workflowsOf(claimed.map((task) => task.name))).toEqual("b c b c b c".split(" "));
  });

  it("a batch's shares count the tasks each group already runs", async () => {
    await clearQueue();
    await workflow("busy", 6);
    await workflow("idle", 6);
    const other = await makeAgent(pg.db);
    // busy's first four run: the next batch of four goes to idle first, then one each.
    const running = await claimTasks(pg.db, other.agentId, 4, undefined, fifo);
    expect(workflowsOf(running.map((task) => task.name))).toEqual(Array(4).fill("busy"));
    const agent = await makeAgent(pg.db);
    const claimed = await claimTasks(pg.db, agent.agentId, 6, undefined, fair);
    expect(workflowsOf(claimed.map((task) => task.name))).toEqual(
      "idle idle idle idle busy idle".split(" "),
    );
  });
  it("an agent whose last attempt failed claims oldest first, and rejoins the rotation after a success", async () => {
    const suspect = await makeAgent(pg.db, { capabilities: ["streak"] });
    const own = (name: string) => submit(pg.db, { name, capabilities: ["streak"] });
    const failed = await own("fails");
    const lease = await claimOnly(pg.db, suspect.agentId, failed.id);
    await failTasks(pg.db, suspect, [
      { taskId: failed.id, leaseEpoch: lease.leaseEpoch, error: "boom", retryable: false },
    ]);

    await clearQueue();
    await workflow("big", 4);
    await workflow("small", 2);
    const healthy = await makeAgent(pg.db);
    const take = async (agentId: string) =>
      workflowsOf((await claimTasks(pg.db, agentId, 1, undefined, fair)).map((t) => t.name));
    // big's first task is the oldest; then the rotation would deal small (nothing running).
    expect(await take(healthy.agentId)).toEqual(["big"]);
    expect(await take(suspect.agentId)).toEqual(["big"]);
    expect(await take(healthy.agentId)).toEqual(["small"]);

    const succeeds = await own("succeeds");
    const next = await claimOnly(pg.db, suspect.agentId, succeeds.id);
    await completeTasks(pg.db, suspect, [
      { taskId: succeeds.id, leaseEpoch: next.leaseEpoch, result: null },
    ]);
    await clearQueue();
    await workflow("big", 4);
    await workflow("small", 2);
    expect(await take(healthy.agentId)).toEqual(["big"]);
    expect(await take(suspect.agentId)).toEqual(["small"]);
  });
});

const fair: SchedulingPolicy = { reserveAfterS: 30, fairness: "workflow" };
const fifo: SchedulingPolicy = { reserveAfterS: 30, fairness: "fifo" };
