import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import type { LeaseCaller } from "@/server/tasks/fencing";
import { completeTasks, failTasks } from "@/server/tasks/finish";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, stateOf } from "@/test/engine";

const pg = setupTestDatabase();

type Spec = { key: string; dependsOn?: string[]; triggerRule?: "all_success" | "all_done" };

async function workflow(tasks: Spec[]) {
  const params = submitWorkflowInput.parse({
    name: "wf",
    tasks: tasks.map((task) => ({ name: task.key, maxAttempts: 1, ...task })),
  });
  const result = await submitWorkflow(pg.db, params, { tokenId: null });
  return new Map(result.tasks.map((task) => [task.key, task.id]));
}

function idOf(ids: Map<string, string>, key: string): string {
  const id = ids.get(key);
  if (!id) throw new Error(`no task ${key}`);
  return id;
}

async function states(ids: Map<string, string>) {
  const out: Record<string, string | undefined> = {};
  for (const [key, id] of ids) out[key] = await stateOf(pg.db, id);
  return out;
}

/** Claims whatever is claimable and ends each as `outcome(key)` says. */
async function runClaimable(
  agent: LeaseCaller,
  ids: Map<string, string>,
  outcome: (key: string) => "ok" | "fail",
) {
  const keyById = new Map([...ids].map(([key, id]) => [id, key]));
  const claimed = await claimTasks(pg.db, agent.agentId, 100);
  for (const task of claimed) {
    const key = keyById.get(task.id) ?? "";
    if (outcome(key) === "ok")
      await completeTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: task.leaseEpoch }]);
    else
      await failTasks(pg.db, agent, [
        { taskId: task.id, leaseEpoch: task.leaseEpoch, error: "x", retryable: false },
      ]);
  }
  return claimed.map((task) => keyById.get(task.id)).sort();
}

describe("DAG release", () => {
  it("a diamond: the join runs only after both branches succeed", async () => {
    const agent = await makeAgent(pg.db);
    const ids = await workflow([
      { key: "a" },
      { key: "b", dependsOn: ["a"] },
      { key: "c", dependsOn: ["a"] },
      { key: "d", dependsOn: ["b", "c"] },
    ]);
    expect(await states(ids)).toEqual({ a: "queued", b: "blocked", c: "blocked", d: "blocked" });
    expect(await runClaimable(agent, ids, () => "ok")).toEqual(["a"]);
    expect(await runClaimable(agent, ids, () => "ok")).toEqual(["b", "c"]);
    expect(await runClaimable(agent, ids, () => "ok")).toEqual(["d"]);
    expect(await states(ids)).toEqual({
      a: "succeeded",
      b: "succeeded",
      c: "succeeded",
      d: "succeeded",
    });
  });

  it("fan-in: the join waits for the last of many", async () => {
    const agent = await makeAgent(pg.db);
    const parents = Array.from({ length: 20 }, (_, i) => ({ key: `p${i}` }));
    const ids = await workflow([...parents, { key: "join", dependsOn: parents.map((p) => p.key) }]);
    const claimed = await claimTasks(pg.db, agent.agentId, 100);
    expect(claimed).toHaveLength(20);
    for (const task of claimed.slice(0, 19)) {
      await completeTasks(pg.db, agent, [{ taskId: task.id, leaseEpoch: task.leaseEpoch }]);
    }
    expect(await stateOf(pg.db, idOf(ids, "join"))).toBe("blocked");
    const last = claimed[19];
    if (!last) throw new Error("missing");
    await completeTasks(pg.db, agent, [{ taskId: last.id, leaseEpoch: last.leaseEpoch }]);
    expect(await stateOf(pg.db, idOf(ids, "join"))).toBe("queued");
  });

  it("all_success: a failure cancels the dependents, cascading; all_done: runs anyway", async () => {
    const agent = await makeAgent(pg.db);
    const ids = await workflow([
      { key: "root" },
      { key: "child", dependsOn: ["root"] },
      { key: "grandchild", dependsOn: ["child"] },
      { key: "cleanup", dependsOn: ["grandchild"], triggerRule: "all_done" },
      { key: "report", dependsOn: ["root"], triggerRule: "all_done" },
    ]);
    await runClaimable(agent, ids, () => "fail");
    expect(await states(ids)).toEqual({
      root: "failed",
      child: "cancelled",
      grandchild: "cancelled",
      cleanup: "queued",
      report: "queued",
    });
    const [reason] = await pg.db.execute<{ cancel_reason: string }>(
      sql`select cancel_reason from tasks where id = ${idOf(ids, "grandchild")}`,
    );
    expect(reason?.cancel_reason).toBe("upstream_failed");
    expect(await runClaimable(agent, ids, () => "ok")).toEqual(["cleanup", "report"]);
  });
});

describe("workflows.submit", () => {
  it("the same idempotency key returns the existing workflow and writes nothing", async () => {
    const params = submitWorkflowInput.parse({
      name: "once",
      idempotencyKey: "wf-once",
      tasks: [{ key: "x", name: "x" }],
    });
    const first = await submitWorkflow(pg.db, params, { tokenId: null });
    const count = async () =>
      (await pg.db.execute<{ n: number }>(sql`select count(*)::int as n from tasks`))[0]?.n;
    const before = await count();
    const second = await submitWorkflow(pg.db, params, { tokenId: null });
    expect(second.created).toBe(false);
    expect(second.workflow.id).toBe(first.workflow.id);
    expect(second.tasks).toEqual(first.tasks);
    expect(await count()).toBe(before);
  });
});
