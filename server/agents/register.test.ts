import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { agents } from "@/db/schema/agents";
import { resources } from "@/db/schema/resources";
import { taskEvents } from "@/db/schema/tasks";
import { setupTestDatabase } from "@/test/db";
import { registerAgent } from "./register";

const pg = setupTestDatabase();

beforeAll(async () => {
  await pg.db.insert(resources).values([
    { name: "cpu", scope: "agent" },
    { name: "slots", scope: "agent" },
    { name: "gpu", scope: "pool", capacity: 4 },
  ]);
});

describe("registerAgent", () => {
  it("keeps an operator's drain across a restart, and expires the leases the old process held", async () => {
    const tokenId = randomUUID();
    const agent = await registerAgent(pg.db, {
      tokenId,
      name: "restarting",
      capabilities: [],
      capacity: {},
    });
    await pg.db.update(agents).set({ status: "draining" }).where(eq(agents.id, agent.id));
    const [held] = await pg.sql<[{ id: string }]>`
      insert into tasks (name, state, agent_id, lease_epoch, attempts, lease_expires_at, started_at)
      values ('held before the restart', 'running', ${agent.id}, 1, 1, now() + interval '1 hour', now())
      returning id`;
    const again = await registerAgent(pg.db, {
      tokenId,
      name: "restarting",
      capabilities: [],
      capacity: {},
    });
    expect(again.status).toBe("draining");
    const [task] = await pg.sql<[{ expired: boolean }]>`
      select lease_expires_at <= now() as expired from tasks where id = ${held.id}`;
    expect(task.expired).toBe(true);
  });

  it("is idempotent per (token, name): the same id, declarations replaced, back online", async () => {
    const tokenId = randomUUID();
    const first = await registerAgent(pg.db, {
      tokenId,
      name: "worker-1",
      capabilities: ["python", "python"],
      capacity: { cpu: 8 },
    });
    expect(first).toMatchObject({ created: true, status: "online", capabilities: ["python"] });

    // The operator drained it and its heartbeat went stale; then the process restarts.
    await pg.db
      .update(agents)
      .set({ status: "offline", lastHeartbeatAt: new Date(Date.now() - 3_600_000) })
      .where(eq(agents.id, first.id));
    const again = await registerAgent(pg.db, {
      tokenId,
      name: "worker-1",
      capabilities: ["rust"],
      capacity: { cpu: 4, slots: 2 },
      metadata: { version: "2" },
    });
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({
      created: false,
      status: "online",
      capabilities: ["rust"],
      capacity: { cpu: 4, slots: 2 },
      metadata: { version: "2" },
    });
    expect(Date.now() - again.lastHeartbeatAt.getTime()).toBeLessThan(60_000);
    // Stored as a JSON object, so SQL can read `capacity->>'cpu'` (not a JSON-encoded string).
    const [stored] =
      await pg.sql`select jsonb_typeof(capacity) as kind from agents where id = ${first.id}`;
    expect(stored?.kind).toBe("object");

    const events = await pg.db.select().from(taskEvents).where(eq(taskEvents.agentId, first.id));
    expect(events.map((e) => e.kind)).toEqual(["agent.registered", "agent.registered"]);
    expect(await pg.db.select().from(agents).where(eq(agents.tokenId, tokenId))).toHaveLength(1);
  });

  it("keeps agents of the same name under different tokens apart", async () => {
    const a = await registerAgent(pg.db, {
      tokenId: randomUUID(),
      name: "same",
      capabilities: [],
      capacity: {},
    });
    const b = await registerAgent(pg.db, {
      tokenId: randomUUID(),
      name: "same",
      capabilities: [],
      capacity: {},
    });
    expect(a.id).not.toBe(b.id);
  });

  it("rejects a capacity naming a pool, naming the key", async () => {
    const attempt = registerAgent(pg.db, {
      tokenId: randomUUID(),
      name: "greedy",
      capabilities: [],
      capacity: { cpu: 2, gpu: 1 },
    });
    await expect(attempt).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'capacity.gpu: "gpu" is a pool, not an agent-scoped resource',
    });
  });

  it("rejects a capacity naming an unknown resource, and writes nothing", async () => {
    const tokenId = randomUUID();
    const attempt = registerAgent(pg.db, {
      tokenId,
      name: "typo",
      capabilities: [],
      capacity: { foo: 1 },
    });
    await expect(attempt).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "capacity.foo: unknown resource",
    });
    expect(await pg.db.select().from(agents).where(eq(agents.tokenId, tokenId))).toEqual([]);
  });

  it("rejects negative and non-finite amounts", async () => {
    for (const amount of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(
        registerAgent(pg.db, {
          tokenId: randomUUID(),
          name: "bad",
          capabilities: [],
          capacity: { cpu: amount },
        }),
      ).rejects.toThrow(/^capacity\.cpu: expected a finite number ≥ 0/);
    }
  });
});
