import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { activeWorkflows } from "./active-workflows";
import { submitWorkflowInput } from "./inputs";
import { submitWorkflow } from "./submit-workflow";

const pg = setupTestDatabase();

async function workflow(name: string, tasks: { key: string; dependsOn?: string[] }[]) {
  const params = submitWorkflowInput.parse({
    name,
    tasks: tasks.map((task) => ({ ...task, name: task.key })),
  });
  const submitted = await submitWorkflow(pg.db, params, { tokenId: null });
  const ids = new Map(submitted.tasks.map((t) => [t.key, t.id]));
  return { id: submitted.workflow.id, ids };
}

async function setState(taskId: string | undefined, state: string) {
  await pg.db.execute(sql`update tasks set state = ${state}::task_state where id = ${taskId}`);
}

describe("activeWorkflows", () => {
  it("lists workflows with live tasks, running first then newest, with their tasks and edges", async () => {
    const done = await workflow("done", [{ key: "a" }]);
    await setState(done.ids.get("a"), "succeeded");
    const older = await workflow("older, running", [{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    await setState(older.ids.get("a"), "running");
    const newer = await workflow("newer, queued", [
      { key: "a" },
      { key: "b", dependsOn: ["a"] },
      { key: "c", dependsOn: ["a", "b"] },
    ]);

    const result = await activeWorkflows(pg.db, {});
    expect(result.map((w) => w.name)).toEqual(["older, running", "newer, queued"]);

    const [first, second] = result;
    expect(first?.counts).toEqual({ running: 1, blocked: 1 });
    expect(first?.taskCount).toBe(2);
    expect(first?.tasks.map((t) => [t.key, t.state])).toEqual([
      ["a", "running"],
      ["b", "blocked"],
    ]);
    expect(first?.edges).toEqual([{ from: older.ids.get("a"), to: older.ids.get("b") }]);
    expect(second?.edges).toHaveLength(3);
    expect(second?.id).toBe(newer.id);
    expect(Date.parse(second?.createdAt ?? "")).not.toBeNaN();
  });

  it("caps the workflows and the tasks per workflow, keeping the live ones and their edges", async () => {
    const big = await workflow(
      "big",
      Array.from({ length: 8 }, (_, i) => ({
        key: `k${i}`,
        dependsOn: i === 0 ? [] : [`k${i - 1}`],
      })),
    );
    for (const key of ["k0", "k1", "k2", "k3", "k4"]) await setState(big.ids.get(key), "succeeded");
    await setState(big.ids.get("k5"), "running");

    const [capped] = await activeWorkflows(pg.db, { limit: 1, tasksPerWorkflow: 3 });
    expect(capped?.name).toBe("big");
    expect(capped?.taskCount).toBe(8);
    // The running task first, then the blocked ones; the finished ones are left out.
    expect(capped?.tasks.map((t) => t.key)).toEqual(["k5", "k6", "k7"]);
    // Only edges between returned tasks: k4 → k5 is left out with k4.
    expect(capped?.edges).toHaveLength(2);
  });

  it("returns nothing when no workflow has work left", async () => {
    await pg.db.execute(
      sql`update tasks set state = 'succeeded' where state in ('blocked', 'queued', 'running')`,
    );
    expect(await activeWorkflows(pg.db, {})).toEqual([]);
  });
});
