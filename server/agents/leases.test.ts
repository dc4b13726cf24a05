import { randomUUID } from "node:crypto";
import { eq, inArray, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { agents } from "@/db/schema/agents";
import { taskEvents, tasks } from "@/db/schema/tasks";
import { setupTestDatabase } from "@/test/db";
import { type AgentInsert, insertAgentRow, insertTaskRow, type TaskInsert } from "@/test/rows";
import { heartbeat } from "./heartbeat";
import { markSilentAgentsOffline, nextAgentSilenceAt } from "./silence";

const pg = setupTestDatabase();
const insertTask = (values: Partial<TaskInsert> = {}) => insertTaskRow(pg.db, values);
const insertAgent = (values: Partial<AgentInsert> = {}) => insertAgentRow(pg.db, values);

/** A task leased to `agentId` whose lease runs out `inS` seconds from now. */
function runningOn(agentId: string, inS: number, values: Partial<TaskInsert> = {}) {
  return insertTask({
    state: "running",
    agentId,
    leaseEpoch: 3,
    leaseExpiresAt: sql`now() + make_interval(secs => ${inS})`,
    ...values,
  });
}

const secondsAgo = (s: number) => sql`now() - make_interval(secs => ${s})`;

async function leaseOf(taskId: string): Promise<Date | null> {
  const [row] = await pg.db.select().from(tasks).where(eq(tasks.id, taskId));
  return row?.leaseExpiresAt ?? null;
}

beforeEach(async () => {
  // Each test sees only its own agents: the sweep looks at every agent in the table.
  await pg.db.delete(tasks);
  await pg.db.delete(agents);
});

describe("heartbeat", () => {
  it("extends by lease_s the leases of the tasks the agent runs, and only those", async () => {
    const me = await insertAgent();
    const other = await insertAgent();
    const mine = await runningOn(me.id, 5, { leaseS: 600 });
    const theirs = await runningOn(other.id, 5, { leaseS: 600 });
    const finished = await insertTask({ state: "succeeded", agentId: me.id, leaseEpoch: 1 });
    const theirsBefore = await leaseOf(theirs.id);

    const result = await heartbeat(pg.db, { agentId: me.id });

    expect(result.status).toBe("online");
    expect(result.leases).toHaveLength(1);
    expect(result.leases[0]).toMatchObject({ taskId: mine.id, leaseEpoch: 3 });
    const extended = (await leaseOf(mine.id))?.getTime() ?? 0;
    expect(extended).toBeGreaterThan(Date.now() + 500_000);
    expect(result.leases[0]?.leaseExpiresAt.getTime()).toBe(extended);
    expect(await leaseOf(theirs.id)).toEqual(theirsBefore);
    expect(await leaseOf(finished.id)).toBeNull();
  });

  it("does not wait for a task row another transaction holds: lists it, extends the rest", async () => {
    // A completion of the same agent holding one of its rows while the heartbeat runs: waiting
    // for it let the two lock the agent's rows in opposite orders and deadlock.
    const me = await insertAgent();
    const held = await runningOn(me.id, 5, { leaseS: 600 });
    const free = await runningOn(me.id, 5, { leaseS: 600 });
    const heldBefore = await leaseOf(held.id);

    const result = await pg.db.transaction(async (tx) => {
      await tx.execute(sql`select id from tasks where id = ${held.id} for update`);
      return heartbeat(pg.db, { agentId: me.id });
    });

    expect(result.leases.map((lease) => lease.taskId).sort()).toEqual([held.id, free.id].sort());
    expect(await leaseOf(held.id)).toEqual(heldBefore);
    expect((await leaseOf(free.id))?.getTime() ?? 0).toBeGreaterThan(Date.now() + 500_000);
  });

  it("brings an offline agent back online, leaves a draining one draining", async () => {
    const offline = await insertAgent({ status: "offline", lastHeartbeatAt: new Date(0) });
    const draining = await insertAgent({ status: "draining" });
    expect((await heartbeat(pg.db, { agentId: offline.id })).status).toBe("online");
    expect((await heartbeat(pg.db, { agentId: draining.id })).status).toBe("draining");
    const [row] = await pg.db.select().from(agents).where(eq(agents.id, offline.id));
    expect(row?.status).toBe("online");
    expect(Date.now() - (row?.lastHeartbeatAt.getTime() ?? 0)).toBeLessThan(60_000);
  });

  it("answers NOT_FOUND for an unknown agent", async () => {
    await expect(heartbeat(pg.db, { agentId: randomUUID() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("markSilentAgentsOffline", () => {
  it("marks silent agents offline and expires their leases, leaving live agents alone", async () => {
    const silent = await insertAgent({ lastHeartbeatAt: secondsAgo(120) });
    const silentDraining = await insertAgent({
      status: "draining",
      lastHeartbeatAt: secondsAgo(300),
    });
    const live = await insertAgent({ lastHeartbeatAt: secondsAgo(10) });
    const lost = await runningOn(silent.id, 3600);
    const alsoLost = await runningOn(silentDraining.id, 3600);
    const kept = await runningOn(live.id, 3600);
    const keptBefore = await leaseOf(kept.id);

    expect(await markSilentAgentsOffline(pg.db, { silentForS: 60 })).toBe(2);

    const statuses = await pg.db
      .select({ id: agents.id, status: agents.status })
      .from(agents)
      .where(inArray(agents.id, [silent.id, silentDraining.id, live.id]));
    expect(Object.fromEntries(statuses.map((a) => [a.id, a.status]))).toEqual({
      [silent.id]: "offline",
      [silentDraining.id]: "offline",
      [live.id]: "online",
    });
    // Expired now, so the lease sweep requeues them on its next pass.
    for (const task of [lost, alsoLost]) {
      expect((await leaseOf(task.id))?.getTime()).toBeLessThanOrEqual(Date.now());
    }
    expect(await leaseOf(kept.id)).toEqual(keptBefore);
    const events = await pg.db
      .select()
      .from(taskEvents)
      .where(eq(taskEvents.kind, "agent.offline"));
    expect(events.find((e) => e.agentId === silent.id)?.data).toMatchObject({
      expiredLeases: [lost.id],
    });

    // Already offline: nothing more to do.
    expect(await markSilentAgentsOffline(pg.db, { silentForS: 60 })).toBe(0);
  });
});

describe("nextAgentSilenceAt", () => {
  it("is the oldest heartbeat among agents not offline, plus silentForS", async () => {
    expect(await nextAgentSilenceAt(pg.db, 60)).toBeNull();
    await insertAgent({ status: "offline", lastHeartbeatAt: new Date("2020-01-01T00:00:00Z") });
    expect(await nextAgentSilenceAt(pg.db, 60)).toBeNull();
    await insertAgent({ lastHeartbeatAt: new Date("2030-01-01T00:00:00Z") });
    await insertAgent({ status: "draining", lastHeartbeatAt: new Date("2029-01-01T00:00:00Z") });
    expect(await nextAgentSilenceAt(pg.db, 90)).toEqual(new Date("2029-01-01T00:01:30Z"));
  });
});
