import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { customPlan, genericPlan, type PlanNode, tableReads } from "@/test/plans";
import { uuidArray } from "../tasks/sql";
import { listWorkflowsInput, listWorkflowsSql } from "./list";
import { taskStateCountsSql } from "./state";

const pg = setupTestDatabase();
/**
 * The plans of `query` both ways postgres.js may run it: with its values (a custom plan) and
 * as the generic plan a prepared statement switches to after five runs.
 */
async function plansOf(query: SQL): Promise<PlanNode[][]> {
  return [await customPlan(pg, query), await genericPlan(pg, query)];
}

/**
 * Every read of tasks in the plan looks workflows up in tasks_workflow_key_idx: none scans the
 * table, nor the whole index (which the planner also does, the predicate being implied by any
 * strict comparison on workflow_id). A bitmap heap scan names no index itself; the bitmap
 * index scans below it do.
 */
function expectWorkflowKeyLookup(plan: PlanNode[]) {
  const reads = tableReads(plan, "tasks");
  expect(reads.length).toBeGreaterThan(0);
  for (const lookups of reads) {
    expect(lookups.length).toBeGreaterThan(0);
    for (const lookup of lookups) {
      expect(lookup["Index Name"]).toBe("tasks_workflow_key_idx");
      expect(lookup["Index Cond"]).toMatch(/workflow_id/);
    }
  }
}

describe("tasks_workflow_key_idx, partial over workflow tasks", () => {
  let workflowIds: string[] = [];

  beforeAll(async () => {
    // Mostly standalone tasks, as in a throughput drain, beside a few runs: enough for the
    // planner to prefer an index over reading the table.
    await pg.db.execute(sql`
      insert into tasks (name, state, key)
      select 'solo ' || n, 'succeeded', case when n % 2 = 0 then 'same' end
      from generate_series(1, 5000) n`);
    await pg.db.execute(sql`
      insert into workflows (name) select 'run ' || n from generate_series(1, 20) n`);
    await pg.db.execute(sql`
      insert into tasks (workflow_id, key, name, state)
      select w.id, 'step ' || k, w.name || ' ' || k, 'succeeded'
      from workflows w cross join generate_series(1, 10) k`);
    await pg.db.execute(sql`analyze tasks`);
    await pg.db.execute(sql`analyze workflows`);
    const rows = await pg.sql<{ id: string }[]>`select id from workflows order by id`;
    workflowIds = rows.map((row) => row.id);
  }, 60_000);

  it("holds no entry for a standalone task", async () => {
    // Each entry costs every state change of its task an index write; a standalone task's
    // would enforce nothing, null workflow ids being distinct.
    const [index] = await pg.sql<{ def: string }[]>`
      select pg_get_indexdef('tasks_workflow_key_idx'::regclass) as def`;
    expect(index?.def).toMatch(/WHERE \(workflow_id IS NOT NULL\)$/);
  });

  it("serves one workflow's tasks (`workflow_id = $1`)", async () => {
    const id = workflowIds[0] ?? "";
    for (const plan of await plansOf(sql`select * from ${taskStateCountsSql(sql`${id}`)} c`)) {
      expectWorkflowKeyLookup(plan);
    }
  });

  it("serves a batch of workflows (`workflow_id = any($1)`)", async () => {
    // 150 ids: past the 100 elements up to which the planner expands an array to prove a
    // predicate element by element.
    const ids = [...workflowIds, ...Array.from({ length: 130 }, () => randomUUID())];
    const query = sql`select workflow_id, state, count(*)::int from tasks
      where workflow_id = any(${uuidArray(ids)}) group by workflow_id, state`;
    for (const plan of await plansOf(query)) expectWorkflowKeyLookup(plan);
  });

  it("serves the runs list's per-run counts (a lateral join on w.id)", async () => {
    const query = listWorkflowsSql(listWorkflowsInput.parse({ limit: 5 }));
    for (const plan of await plansOf(query)) expectWorkflowKeyLookup(plan);
  });

  it("serves the cascade from a deleted workflow (the foreign key's `$1 = workflow_id`)", async () => {
    const id = workflowIds[0] ?? "";
    const query = sql`select 1 from only tasks x where ${id}::uuid operator(pg_catalog.=) workflow_id
      for key share of x`;
    for (const plan of await plansOf(query)) expectWorkflowKeyLookup(plan);
  });
});

describe("uniqueness of (workflow_id, key)", () => {
  it("rejects a second task with a workflow's key, and lets standalone tasks share one", async () => {
    const [workflow] = await pg.sql<{ id: string }[]>`
      insert into workflows (name) values ('unique keys') returning id`;
    const workflowId = workflow?.id ?? "";
    await pg.sql`insert into tasks (workflow_id, key, name, state)
      values (${workflowId}, 'a', 'first', 'queued')`;

    await expect(
      pg.sql`insert into tasks (workflow_id, key, name, state)
        values (${workflowId}, 'a', 'second', 'queued')`,
    ).rejects.toMatchObject({ code: "23505", constraint_name: "tasks_workflow_key_idx" });

    await pg.sql`insert into tasks (key, name, state)
      values ('alone', 'one', 'queued'), ('alone', 'two', 'queued')`;
    const [count] = await pg.sql<{ n: number }[]>`
      select count(*)::int as n from tasks where workflow_id is null and key = 'alone'`;
    expect(count?.n).toBe(2);
  });
});
