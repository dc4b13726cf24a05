import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { genericPlan, type PlanNode, tableReads } from "@/test/plans";
import { readiedBy } from "./complete-in-one-trip";
import { releaseQuery } from "./complete-statement";

const pg = setupTestDatabase();

/** Each read of tasks (not the update's own node) finds its rows by key: the id or finish time. */
function expectLookupsByKey(plan: PlanNode[]) {
  const reads = tableReads(plan, "tasks");
  expect(reads.length).toBeGreaterThan(0);
  for (const lookup of reads.flat())
    expect({ node: lookup["Node Type"], index: lookup["Index Name"] }).toEqual({
      node: expect.stringMatching(/Index Scan/),
      index: expect.stringMatching(/^tasks_(pkey|finished_idx)$/),
    });
}

/**
 * A fresh service's statistics: taken while its first tasks queued, then outgrown by the tasks it
 * finished and the DAGs waiting behind them before autovacuum analyzes again. With those, the
 * release's guards on state (`state = 'succeeded'`, `state = 'blocked'`) looked cheaper to
 * serve from tasks_state_created_idx than the ids from the primary key, and a chain's every hop
 * read all of its finished tasks (602 rows, 0.3 ms, 200 hops into a benchmark's chain).
 */
describe("the completion's release, on statistics the tasks have outgrown", () => {
  const agentId = randomUUID();

  beforeAll(async () => {
    await pg.sql`alter table tasks set (autovacuum_enabled = false)`;
    await pg.sql`insert into tasks (name, state) select 'early ' || n, 'queued'
      from generate_series(1, 50) n`;
    await pg.sql`analyze tasks`;
    await pg.sql`insert into tasks (name, state, finished_at)
      select 'done ' || n, 'succeeded', now() - interval '1 minute' from generate_series(1, 5000) n`;
    await pg.sql`insert into tasks (name, state, pending_deps)
      select 'later ' || n, 'blocked', 1 from generate_series(1, 5000) n`;
  }, 60_000);

  it("finds the completed tasks and their dependents by key", async () => {
    const items = [{ taskId: randomUUID(), leaseEpoch: 1 }];
    expectLookupsByKey(await genericPlan(pg, releaseQuery(agentId, items, { wake: true })));
  });

  it("finds what the completion readied by key (the claim of the chain's next task)", async () => {
    const items = [{ taskId: randomUUID(), leaseEpoch: 1 }];
    const plan = await genericPlan(pg, readiedBy(agentId, items));
    // Its first step reads the tasks queued at this very instant from an index of the queue
    // alone (tasks_claim_idx, tasks_run_at_idx: partial, `state = 'queued'`), which is small.
    const queue = /^tasks_(claim|run_at)_idx$/;
    expectLookupsByKey(plan.filter((node) => !queue.test(node["Index Name"] ?? "")));
  });
});
