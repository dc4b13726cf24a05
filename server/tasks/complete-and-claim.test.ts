import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Principal } from "@/server/auth/roles";
import { createEventHub } from "@/server/events/hub";
import { completeAndClaim } from "@/server/tasks/complete-and-claim";
import type { LeaseCaller } from "@/server/tasks/fencing";
import { completeTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import {
  claimOnly,
  definePool,
  makeAgent,
  parentAndChild,
  principalOf,
  stateOf,
  submit,
} from "@/test/engine";

/* Records each one-round-trip transaction, to see that a chain's hop takes one. */
const trips = vi.hoisted(() => [] as { statements: number; committed?: boolean }[]);
vi.mock("@/db/one-trip-transaction", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db/one-trip-transaction")>();
  return {
    oneTripTransaction: async (...args: Parameters<typeof actual.oneTripTransaction>) => {
      const outcome = await actual.oneTripTransaction(...args);
      trips.push({ statements: args[1].length, committed: outcome?.committed });
      return outcome;
    },
  };
});

const pg = setupTestDatabase();
let hub: ReturnType<typeof createEventHub> | undefined;
afterAll(async () => {
  await hub?.close();
});

/** Runs the parent on `agent`, then completes it asking to claim `claim` tasks. */
async function completeParent(agent: LeaseCaller, parent: string, claim: number) {
  const lease = await claimOnly(pg.db, agent.agentId, parent);
  return completeAndClaim(pg.db, agent, [{ taskId: parent, leaseEpoch: lease.leaseEpoch }], {
    max: claim,
    principal: principalOf(agent),
  });
}

async function runningOn(taskId: string) {
  const [row] = await pg.db.execute<{ state: string; agent_id: string | null }>(
    sql`select state, agent_id from tasks where id = ${taskId}`,
  );
  return row;
}

describe("completeAndClaim", () => {
  it("returns the child its completion released, leased to the completing agent and fenced", async () => {
    const capability = `hop-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(pg.db, capability);

    trips.length = 0;
    const done = await completeParent(agent, parent, 1);

    expect(done.results).toEqual([{ taskId: parent, ok: true }]);
    expect(done.tasks.map((task) => task.id)).toEqual([child]);
    // One round trip, committed: the completion, its release and the claim of the child.
    expect(trips).toEqual([{ statements: 3, committed: true }]);
    expect(await stateOf(pg.db, parent)).toBe("succeeded");
    expect(await runningOn(child)).toEqual({ state: "running", agent_id: agent.agentId });
    // The lease is a real one: an older epoch is refused, the returned one completes it.
    const [lease] = done.tasks;
    if (!lease) throw new Error("no lease");
    const stale = await completeTasks(pg.db, agent, [
      { taskId: child, leaseEpoch: lease.leaseEpoch - 1 },
    ]);
    expect(stale[0]?.ok).toBe(false);
    const fresh = await completeTasks(pg.db, agent, [
      { taskId: child, leaseEpoch: lease.leaseEpoch },
    ]);
    expect(fresh).toEqual([{ taskId: child, ok: true }]);
  });

  it("claims nothing when asked for nothing: the child stays queued for any claimer", async () => {
    const capability = `hop-none-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(pg.db, capability);

    const done = await completeParent(agent, parent, 0);

    expect(done.tasks).toEqual([]);
    expect(await stateOf(pg.db, child)).toBe("queued");
  });

  it("does not return a child the agent lacks the capability for, and wakes waiting claimers for it", async () => {
    const capability = `hop-cap-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(pg.db, capability, {
      capabilities: [capability, `${capability}-gpu`],
    });
    hub ??= createEventHub(pg.url);
    await hub.ready();
    const woken = hub.waitForQueue(60_000);

    const done = await completeParent(agent, parent, 1);

    expect(done.tasks).toEqual([]);
    expect(await stateOf(pg.db, child)).toBe("queued");
    // Another agent could run it: it must hear about it.
    expect(await woken).toBe("notified");
  });

  it("respects a full pool: the child needing it is not claimed", async () => {
    const capability = `hop-pool-${Date.now()}`;
    const pool = `hop_pool_${Date.now()}`;
    await definePool(pg.db, pool, 1);
    await pg.db.execute(sql`update resources set in_use = 1 where name = ${pool}`);
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(pg.db, capability, { requires: { [pool]: 1 } });

    const done = await completeParent(agent, parent, 1);

    expect(done.tasks).toEqual([]);
    expect(await stateOf(pg.db, child)).toBe("queued");
  });

  it("completes a batch whose tasks hold resources: the others in the round trip, these where their resources go back", async () => {
    const capability = `hop-held-${Date.now()}`;
    const pool = `hop_held_${Date.now()}`;
    await definePool(pg.db, pool, 1);
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const holder = await submit(pg.db, { capabilities: [capability], requires: { [pool]: 1 } });
    const held = await claimOnly(pg.db, agent.agentId, holder.id);
    const { parent, child } = await parentAndChild(pg.db, capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);

    const done = await completeAndClaim(
      pg.db,
      agent,
      [
        { taskId: holder.id, leaseEpoch: held.leaseEpoch },
        { taskId: parent, leaseEpoch: lease.leaseEpoch },
      ],
      { max: 1, principal: principalOf(agent) },
    );

    expect(done.results).toEqual([
      { taskId: holder.id, ok: true },
      { taskId: parent, ok: true },
    ]);
    expect(done.tasks.map((task) => task.id)).toEqual([child]);
    expect(await stateOf(pg.db, holder.id)).toBe("succeeded");
    const [row] = await pg.db.execute<{ in_use: number; open: number }>(
      sql`select r.in_use, (select count(*)::int from allocations a
        where a.task_id = ${holder.id} and a.released_at is null) as open
        from resources r where r.name = ${pool}`,
    );
    expect(row).toEqual({ in_use: 0, open: 0 });
  });

  it("respects a concurrency key at its limit", async () => {
    const capability = `hop-key-${Date.now()}`;
    const key = { key: `hop-key-${Date.now()}`, limit: 1 };
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    // The key's one slot is taken by a task running on another agent.
    const other = await makeAgent(pg.db, { capabilities: [`${capability}-other`] });
    const holder = await submit(pg.db, {
      name: "holder",
      capabilities: [`${capability}-other`],
      concurrency: key,
    });
    await claimOnly(pg.db, other.agentId, holder.id);
    const { parent, child } = await parentAndChild(pg.db, capability, { concurrency: key });

    const done = await completeParent(agent, parent, 1);

    expect(done.tasks).toEqual([]);
    expect(await stateOf(pg.db, child)).toBe("queued");
  });

  it("gives a quarantined agent nothing, though its completion counts", async () => {
    const capability = `hop-quarantine-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(pg.db, capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);
    await pg.db.execute(sql`
      insert into agent_health (agent_id, quarantined_until, quarantined_at, quarantine_reason)
      values (${agent.agentId}, now() + interval '1 hour', now(), 'test')`);

    const done = await completeAndClaim(
      pg.db,
      agent,
      [{ taskId: parent, leaseEpoch: lease.leaseEpoch }],
      { max: 1, principal: principalOf(agent) },
    );

    expect(done.results).toEqual([{ taskId: parent, ok: true }]);
    expect(done.tasks).toEqual([]);
    expect(await stateOf(pg.db, child)).toBe("queued");
  });

  it("refuses a stale lease and still claims for the agent's free slot", async () => {
    const capability = `hop-stale-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent } = await parentAndChild(pg.db, capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);
    const { parent: other } = await parentAndChild(pg.db, capability);

    const done = await completeAndClaim(
      pg.db,
      agent,
      [{ taskId: parent, leaseEpoch: lease.leaseEpoch + 1 }],
      { max: 1, principal: principalOf(agent) },
    );

    expect(done.results[0]).toMatchObject({ taskId: parent, ok: false });
    expect(await stateOf(pg.db, parent)).toBe("running");
    expect(done.tasks.map((task) => task.id)).toEqual([other]);
  });

  it("checks in the completion that the token owns the agent: another token's agent is FORBIDDEN, an unknown one NOT_FOUND, and nothing changes", async () => {
    const capability = `hop-owner-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const stranger = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent, child } = await parentAndChild(pg.db, capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);
    const items = [{ taskId: parent, leaseEpoch: lease.leaseEpoch }];
    const claim = (principal: Principal) => ({ max: 1, principal });

    // The stranger's token names the agent: its lease would match, its token does not.
    const asStranger = { ...agent, tokenId: stranger.tokenId };
    await expect(
      completeAndClaim(pg.db, asStranger, items, claim(principalOf(stranger)), {
        checkOwner: true,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const unknown = { ...agent, agentId: "00000000-0000-4000-8000-000000000001" };
    await expect(
      completeAndClaim(pg.db, unknown, items, claim(principalOf(agent)), { checkOwner: true }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await stateOf(pg.db, parent)).toBe("running");
    expect(await stateOf(pg.db, child)).toBe("blocked");

    // An admin may act for any agent; the owner itself completes.
    const admin: Principal = {
      tokenId: stranger.tokenId,
      tokenName: "admin",
      role: "admin",
      via: "bearer",
    };
    const asAdmin = { ...agent, tokenId: stranger.tokenId, isAdmin: true };
    const done = await completeAndClaim(pg.db, asAdmin, items, claim(admin), { checkOwner: true });
    expect(done.results).toEqual([{ taskId: parent, ok: true }]);
    expect(done.tasks.map((task) => task.id)).toEqual([child]);
  });

  it("with the owner checked in the completion, a stale lease of the owner is still a CONFLICT result, not a refusal", async () => {
    const capability = `hop-owner-stale-${Date.now()}`;
    const agent = await makeAgent(pg.db, { capabilities: [capability] });
    const { parent } = await parentAndChild(pg.db, capability);
    const lease = await claimOnly(pg.db, agent.agentId, parent);

    const done = await completeAndClaim(
      pg.db,
      agent,
      [{ taskId: parent, leaseEpoch: lease.leaseEpoch + 1 }],
      { max: 0, principal: principalOf(agent) },
      { checkOwner: true },
    );

    expect(done.results[0]).toMatchObject({ taskId: parent, ok: false, code: "CONFLICT" });
  });
});
