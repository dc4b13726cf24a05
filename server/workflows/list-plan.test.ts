import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { customPlan, type PlanNode } from "@/test/plans";
import { listWorkflowsInput, listWorkflowsSql } from "./list";

const pg = setupTestDatabase();

/** The executed plan of the runs list's page for `input`. */
function planOf(input: object): Promise<PlanNode[]> {
  return customPlan(pg, listWorkflowsSql(listWorkflowsInput.parse(input)), { analyze: true });
}

describe("the runs list's plan over a long history", () => {
  beforeAll(async () => {
    // 20,000 finished runs of 3 tasks: enough for the planner to weigh a sort against an index.
    await pg.db.execute(sql`
      insert into workflows (id, name, created_at)
      select gen_random_uuid(), 'history ' || n, now() - n * interval '1 min'
      from generate_series(1, 20000) n`);
    await pg.db.execute(sql`
      insert into tasks (workflow_id, name, state, created_at, started_at, finished_at)
      select w.id, w.name || ' ' || k, 'succeeded', w.created_at, w.created_at, w.created_at
      from workflows w cross join generate_series(1, 3) k`);
    await pg.db.execute(sql`analyze workflows`);
    await pg.db.execute(sql`analyze tasks`);
  }, 60_000);

  it("reads and counts only the page's runs, unfiltered and by name", async () => {
    for (const input of [{ limit: 50 }, { limit: 50, text: "history" }]) {
      const plan = await planOf(input);
      // The index gives the order and the limit stops the walk: no sort of the whole history,
      // and only the page's runs have their tasks counted.
      const workflows = plan.filter((node) => node["Relation Name"] === "workflows");
      expect(workflows.length).toBeGreaterThan(0);
      for (const node of workflows) expect(node["Actual Rows"]).toBeLessThanOrEqual(51);
      const counted = plan.filter((node) => node["Relation Name"] === "tasks");
      for (const node of counted) expect(node["Actual Loops"]).toBeLessThanOrEqual(51);
    }
  });
});
