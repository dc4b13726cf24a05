import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { explainTask } from "@/server/tasks/explain";
import { setupTestDatabase } from "@/test/db";
import { dagWithAgent, statesOf, succeed } from "@/test/workflows";
import { listWorkflows } from "./list";
import { pauseWorkflow, resumeWorkflow } from "./pause";

const pg = setupTestDatabase();
const operator = { tokenId: "00000000-0000-4000-8000-000000000000", role: "operator" as const };

describe("pauseWorkflow / resumeWorkflow", () => {
  it("stops claims of the workflow's tasks while running ones finish, until resumed", async () => {
    const dag = await dagWithAgent(pg.db, [
      { key: "a" },
      { key: "b" },
      { key: "c", dependsOn: ["a"] },
    ]);
    const [first] = await dag.claim(1);
    if (!first) throw new Error("nothing claimed");
    const paused = await pauseWorkflow(pg.db, dag.workflowId, operator);
    expect(paused.pausedAt).toEqual(expect.any(String));

    // The other queued task is not claimed; another workflow's tasks still are.
    const other = await dagWithAgent(pg.db, [{ key: "x" }]);
    expect(await dag.claim()).toEqual([]);
    expect((await other.claim()).map((task) => task.id)).toEqual([other.ids.x]);
    // The running one finishes, and what it releases waits too.
    expect(await succeed(pg.db, dag.agent, [first])).toEqual([{ taskId: first.id, ok: true }]);
    expect(await dag.claim()).toEqual([]);

    const waiting = first.id === dag.ids.a ? dag.ids.b : dag.ids.a;
    const explanation = await explainTask(pg.db, waiting as string);
    expect(explanation.reasons[0]).toMatchObject({
      kind: "workflow_paused",
      message: expect.stringMatching(/^workflow paused since \d{4}-/),
    });
    const listed = await listWorkflows(pg.db, { state: "paused", text: dag.capability });
    expect(listed.items.map((run) => [run.id, run.state, run.eta])).toEqual([
      [dag.workflowId, "paused", null],
    ]);

    // A second pause keeps the first one's time.
    expect(await pauseWorkflow(pg.db, dag.workflowId, operator)).toEqual(paused);
    await resumeWorkflow(pg.db, dag.workflowId, operator);
    expect(await resumeWorkflow(pg.db, dag.workflowId, operator)).toEqual({
      id: dag.workflowId,
      pausedAt: null,
    });
    for (let round = 0; round < 3; round++) await succeed(pg.db, dag.agent, await dag.claim());
    expect(new Set(Object.values(await statesOf(pg.db, dag.workflowId)))).toEqual(
      new Set(["succeeded"]),
    );
    const events = await pg.db.execute<{ kind: string }>(sql`
      select kind from task_events where workflow_id = ${dag.workflowId} and kind like 'workflow.%'
      order by id`);
    expect(events.map((event) => event.kind)).toEqual([
      "workflow.submitted",
      "workflow.paused",
      "workflow.resumed",
    ]);
  });

  it("refuses to pause a finished workflow", async () => {
    const dag = await dagWithAgent(pg.db, [{ key: "a" }]);
    await succeed(pg.db, dag.agent, await dag.claim());
    await expect(pauseWorkflow(pg.db, dag.workflowId, operator)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("it has succeeded"),
    });
  });
});
