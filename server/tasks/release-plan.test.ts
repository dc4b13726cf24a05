import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { genericPlan, type PlanNode, tableReads } from "@/test/plans";
import { readiedBy } from "./complete-in-one-trip";
import { releaseQuery } from "./complete-statement";

const pg = setupTestDatabase();

/** The completed tasks (`tasks p`, completedHere) are found by key: their ids or finish time. */
function expectCompletedByKey(plan: PlanNode[]) {
  const reads = tableReads(plan, "tasks", "p");
  expect(reads.length).toBeGreaterThan(0);
  for (const lookup of reads.flat())
    expect({ node: lookup["Node Type"], index: lookup["Index Name"] }).toEqual({
      node: expect.stringMatching(/Index Scan/),
      index: expect.stringMatching(/^tasks_(pkey|finished_idx)$/),
    });
}

/**
 * A fresh service's statistics: taken while its first tasks queued, then outgrown by the tasks it
 * finished before autovacuum analyzes again. With those, the release's check that a task is
 * `succeeded` looked cheaper to serve from tasks_state_created_idx than the ids from the primary
 * key, and a chain's every hop read all of its finished tasks (602 rows, 0.3 ms, 200 hops into a
 * benchmark's chain).
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
  }, 60_000);

  it("finds the tasks the completion finished by key (the count-down)", async () => {
    const items = [{ taskId: randomUUID(), leaseEpoch: 1 }];
    expectCompletedByKey(await genericPlan(pg, releaseQuery(agentId, items, { wake: true })));
  });

  it("finds them by key for the claim of what they readied (a chain's next task)", async () => {
    const items = [{ taskId: randomUUID(), leaseEpoch: 1 }];
    expectCompletedByKey(await genericPlan(pg, readiedBy(agentId, items)));
  });
});
