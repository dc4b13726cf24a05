import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { claimTasks } from "@/server/tasks/claim";
import { explainTask } from "@/server/tasks/explain";
import { failTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { backdate, claimOnly, makeAgent, submit } from "@/test/engine";

const pg = setupTestDatabase();

beforeEach(async () => {
  // Each test counts its own agents: "another agent could run it" reads them all.
  await pg.db.execute(sql`update agents set status = 'offline'`);
});

/** A task of `capability` whose first attempt `broken` failed, due now (its backoff over). */
async function failedOnce(capability: string) {
  const broken = await makeAgent(pg.db, { name: "broken", capabilities: [capability] });
  const task = await submit(pg.db, {
    name: "retried",
    capabilities: [capability],
    maxAttempts: 3,
    backoff: { baseS: 0.001, maxS: 0.001 },
  });
  const claimed = await claimOnly(pg.db, broken.agentId, task.id);
  await failTasks(pg.db, broken, [
    { taskId: task.id, leaseEpoch: claimed.leaseEpoch, error: "boom", retryable: true },
  ]);
  await backdate(pg.db, task.id, "run_at", 0);
  return { broken, task };
}

describe("a retry goes to another agent first", () => {
  it("is not offered to the agent whose attempt failed while another could take it", async () => {
    const { broken, task } = await failedOnce("retry-a");
    const healthy = await makeAgent(pg.db, { capabilities: ["retry-a"] });

    expect(await claimTasks(pg.db, broken.agentId, 1)).toEqual([]);
    const explained = await explainTask(pg.db, task.id);
    expect(explained.reasons).toContainEqual(
      expect.objectContaining({ kind: "retry_elsewhere", agentId: broken.agentId }),
    );
    const [claimed] = await claimTasks(pg.db, healthy.agentId, 1);
    expect(claimed).toMatchObject({ id: task.id, attempt: 2 });
  });

  it("is offered to that agent too once it has been due for RETRY_ELSEWHERE_S", async () => {
    const { broken, task } = await failedOnce("retry-b");
    await makeAgent(pg.db, { capabilities: ["retry-b"] });
    await backdate(pg.db, task.id, "run_at", 5);

    const [claimed] = await claimTasks(pg.db, broken.agentId, 1);
    expect(claimed?.id).toBe(task.id);
  });

  it("is offered to that agent at once when no other agent could run it", async () => {
    const { broken, task } = await failedOnce("retry-c");
    await makeAgent(pg.db, { capabilities: ["something-else"] });

    const [claimed] = await claimTasks(pg.db, broken.agentId, 1);
    expect(claimed?.id).toBe(task.id);
  });
});
