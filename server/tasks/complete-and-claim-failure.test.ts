import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Transaction } from "@/db/client";
import { createEventHub } from "@/server/events/hub";
import { completeAndClaim } from "@/server/tasks/complete-and-claim";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, parentAndChild, principalOf, stateOf } from "@/test/engine";

/*
 * A claim after a completion that fails must not cost the completion. In one round trip
 * (complete-in-one-trip.ts) a failed claim statement rolls the whole transaction back, and the
 * completion is made again without a claim; in the transaction that waits per statement
 * (TM_ONE_TRIP_COMPLETION=0) the one-statement claim, run outside a savepoint, has the same
 * outcome, and the general claim's savepoint is rolled back. The failure is real SQL (a division
 * by zero) in the completion's transaction, which aborts it as any failed statement would.
 */
const fast = vi.hoisted(() => ({ fail: true }));
vi.mock("@/server/tasks/claim-released", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/server/tasks/claim-released")>();
  return {
    ...actual,
    claimReleased: async (tx: Transaction) => {
      if (fast.fail) await tx.execute(sql`select 1 / 0`);
      return null;
    },
    claimReleasedQuery: (...args: Parameters<typeof actual.claimReleasedQuery>) =>
      fast.fail ? sql`select 1 / 0` : actual.claimReleasedQuery(...args),
  };
});

const pg = setupTestDatabase();
let hub: ReturnType<typeof createEventHub> | undefined;
afterAll(async () => {
  await hub?.close();
});

/** Runs `test` with completions in one round trip (the default), or per statement. */
async function inMode(mode: Mode, test: () => Promise<void>) {
  const before = process.env.TM_ONE_TRIP_COMPLETION;
  if (mode === "per statement") process.env.TM_ONE_TRIP_COMPLETION = "0";
  try {
    await test();
  } finally {
    if (before === undefined) delete process.env.TM_ONE_TRIP_COMPLETION;
    else process.env.TM_ONE_TRIP_COMPLETION = before;
  }
}

type Mode = "one round trip" | "per statement";
const modes: Mode[] = ["one round trip", "per statement"];

describe("a claim after a completion that fails", () => {
  it.each(modes)(
    "claim of the released tasks (%s): the completion is made again without it, and claimers are woken for the child",
    (mode) =>
      inMode(mode, async () => {
        fast.fail = true;
        const capability = `fail-fast-${mode}-${Date.now()}`;
        const agent = await makeAgent(pg.db, { capabilities: [capability] });
        const { parent, child } = await parentAndChild(pg.db, capability);
        const lease = await claimOnly(pg.db, agent.agentId, parent);
        hub ??= createEventHub(pg.url);
        await hub.ready();
        const woken = hub.waitForQueue(60_000);

        const done = await completeAndClaim(
          pg.db,
          agent,
          [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
          { max: 1, principal: principalOf(agent) },
          { checkOwner: true },
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
      }),
  );

  it.each(modes)("general claim (%s): its failure leaves the completion committed", (mode) =>
    inMode(mode, async () => {
      fast.fail = false;
      const capability = `fail-general-${mode}-${Date.now()}`;
      const agent = await makeAgent(pg.db, { capabilities: [capability] });
      const stranger = await makeAgent(pg.db);
      const { parent, child } = await parentAndChild(pg.db, capability);
      const lease = await claimOnly(pg.db, agent.agentId, parent);

      // The claim for a token that does not own the agent refuses (FORBIDDEN): in its savepoint,
      // or in its own transaction after the completion's.
      const done = await completeAndClaim(
        pg.db,
        agent,
        [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
        { max: 1, principal: principalOf(stranger) },
      );

      expect(done).toEqual({ results: [{ taskId: parent, ok: true }], tasks: [] });
      expect(await stateOf(pg.db, parent)).toBe("succeeded");
      expect(await stateOf(pg.db, child)).toBe("queued");
    }),
  );
});
