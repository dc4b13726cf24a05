import { sql, TransactionRollbackError } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { seedFinishedTasks } from "@/scripts/bench/seed-history";
import { claimTasks } from "@/server/tasks/claim";
import { claimReleasedQuery } from "@/server/tasks/claim-released";
import { readiedBy } from "@/server/tasks/complete-in-one-trip";
import { completeQuery } from "@/server/tasks/complete-statement";
import { setupTestDatabase } from "@/test/db";
import { makeAgent, principalOf, submit } from "@/test/engine";

const pg = setupTestDatabase();

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** Every node of a JSON plan that read task_dependencies, with how often it ran. */
function dependencyReads(node: PlanNode): number[] {
  const own =
    node["Relation Name"] === "task_dependencies" ||
    node["Index Name"]?.startsWith("task_dependencies")
      ? [node["Actual Loops"] ?? 0]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(dependencyReads)];
}

describe("the one-round-trip claim of a completion's releases", () => {
  beforeAll(async () => {
    // A history whose edges outnumber the queue many times over, with planner statistics.
    await seedFinishedTasks(pg.url, {
      tasks: 20_000,
      spreadHours: 24,
      eventsPerTask: 2,
      tasksPerWorkflow: 10,
      cancelled: false,
      types: 2,
      agents: 2,
    });
    await pg.db.execute(sql`analyze`);
  });

  it("finds what a batch readied without a dependency lookup per completed task", async () => {
    const capability = `independent-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    for (let i = 0; i < 50; i++) await submit(pg.db, { name: `t${i}`, capabilities: [capability] });
    const leases = await claimTasks(pg.db, agent.agentId, 50);
    expect(leases).toHaveLength(50);
    const items = leases.map((lease) => ({ taskId: lease.id, leaseEpoch: lease.leaseEpoch }));

    let plan: PlanNode | undefined;
    // Completed and explained (which runs the claim) in one transaction, then rolled back.
    await pg.db
      .transaction(async (tx) => {
        const ended = await tx.execute(completeQuery(agent, items, { wake: { freed: false } }));
        expect(ended).toHaveLength(50);
        const [row] = await tx.execute<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
          sql`explain (analyze, costs off, format json) ${claimReleasedQuery(
            agent.agentId,
            readiedBy(agent.agentId, items),
            50,
            principalOf(agent),
            { wakeIfLeft: true },
          )}`,
        );
        plan = row?.["QUERY PLAN"][0].Plan;
        tx.rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error;
      });
    if (!plan) throw new Error("no plan");
    // Nothing was queued by the completions, so no edge needed reading.
    expect(dependencyReads(plan).reduce((sum, loops) => sum + loops, 0)).toBe(0);
  });
});
