import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Transaction } from "@/db/client";
import type { Principal } from "@/server/auth/roles";
import { createEventHub } from "@/server/events/hub";
import { completeAndClaim } from "@/server/tasks/complete-and-claim";
import type { LeaseCaller } from "@/server/tasks/fencing";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, stateOf } from "@/test/engine";

/*
 * A claim after a completion that fails must not cost the completion: the general claim's
 * savepoint is rolled back, and the one-statement claim (run outside a savepoint) has its
 * transaction made again without a claim. The failure is real SQL (a division by zero) in
 * the completion's transaction, which aborts it as any failed statement would.
 */
const fast = vi.hoisted(() => ({ fail: true }));
vi.mock("@/server/tasks/claim-released", () => ({
  claimReleased: async (tx: Transaction) => {
    if (fast.fail) await tx.execute(sql`select 1 / 0`);
    return null;
  },
}));

const pg = setupTestDatabase();
let hub: ReturnType<typeof createEventHub> | undefined;
afterAll(async () => {
  await hub?.close();
});

const principalOf = (agent: LeaseCaller): Principal => ({
  tokenId: agent.tokenId,
  tokenName: "agent token",
  role: "agent",
  via: "bearer",
});

async function parentAndChild(capability: string) {
  const params = submitWorkflowInput.parse({
    name: "hop",
    tasks: [
      { key: "parent", name: "parent", capabilities: [capability] },
      { key: "child", name: "child", capabilities: [capability], dependsOn: ["parent"] },
    ],
  });
  const { tasks } = await submitWorkflow(pg.db, params, { tokenId: null });
  const id = (key: string) => tasks.find((task) => task.key === key)?.id ?? "";
  return { parent: id("parent"), child: id("child") };
}

describe("a claim after a completion that fails", () => {
  it("one-statement claim: the completion is made again without it, and claimers are woken for the child", async () => {
    fast.fail = true;
    const capability = `fail-fast-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);
    hub ??= createEventHub(pg.url);
    await hub.ready();
    const woken = hub.waitForQueue(60_000);

    const done = await completeAndClaim(
      pg.db,
      agent,
      [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
      { max: 1, principal: principalOf(agent) },
      true,
    );

    expect(done).toEqual({ results: [{ taskId: parent, ok: true }], tasks: [] });
    expect(await stateOf(pg.db, parent)).toBe("succeeded");
    expect(await stateOf(pg.db, child)).toBe("queued");
    expect(await woken).toBe("notified");
    // One succeeded event: the first attempt's transaction left nothing behind.
    const [events] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from task_events where task_id = ${parent} and kind = 'task.succeeded'`,
    );
    expect(events?.n).toBe(1);
  });

  it("general claim: its savepoint is rolled back and the completion commits", async () => {
    fast.fail = false;
    const capability = `fail-general-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const stranger = await makeAgent(pg.db);
    const { parent, child } = await parentAndChild(capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);

    // The claim for a token that does not own the agent refuses (FORBIDDEN) inside the savepoint.
    const done = await completeAndClaim(
      pg.db,
      agent,
      [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
      { max: 1, principal: principalOf(stranger) },
    );

    expect(done).toEqual({ results: [{ taskId: parent, ok: true }], tasks: [] });
    expect(await stateOf(pg.db, parent)).toBe("succeeded");
    expect(await stateOf(pg.db, child)).toBe("queued");
  });
});
