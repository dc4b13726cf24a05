import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { allocations, resources } from "@/db/schema/resources";
import { taskEvents, tasks } from "@/db/schema/tasks";
import type { ResourcesConfig } from "@/server/config";
import { setupTestDatabase } from "@/test/db";
import { listResources } from "./list";
import { syncResourcesFromConfig } from "./sync";
import { upsertResource } from "./upsert";

const pg = setupTestDatabase();

beforeEach(async () => {
  await pg.db.delete(allocations);
  await pg.db.delete(resources);
  await pg.db.delete(taskEvents);
});

async function resource(name: string) {
  const [row] = await pg.db.select().from(resources).where(eq(resources.name, name));
  return row;
}

async function allocate(resourceName: string, amount: number, released = false) {
  const [task] = await pg.db
    .insert(tasks)
    .values({ name: `holds ${resourceName}`, state: "running", agentId: randomUUID() })
    .returning();
  if (!task?.agentId) throw new Error("no task inserted");
  await pg.db.insert(allocations).values({
    taskId: task.id,
    leaseEpoch: 1,
    agentId: task.agentId,
    resource: resourceName,
    amount,
    releasedAt: released ? new Date() : null,
  });
  return task;
}

const config: ResourcesConfig = {
  pools: { licences: { capacity: 4, description: "CAD licences" }, gpu: { capacity: 2 } },
  agent: ["cpu", "slots"],
};

describe("syncResourcesFromConfig", () => {
  it("is idempotent, keeps in_use, and keeps resources the file does not name", async () => {
    expect((await syncResourcesFromConfig(pg.db, config)).sort()).toEqual([
      "cpu",
      "gpu",
      "licences",
      "slots",
    ]);
    expect(await resource("licences")).toMatchObject({
      scope: "pool",
      capacity: 4,
      description: "CAD licences",
      inUse: 0,
    });
    expect(await resource("cpu")).toMatchObject({ scope: "agent", capacity: null });

    await pg.db.update(resources).set({ inUse: 3 }).where(eq(resources.name, "licences"));
    await upsertResource(pg.db, { name: "api_quota", scope: "pool", capacity: 100 });
    await upsertResource(pg.db, { name: "gpu", scope: "pool", capacity: 2, description: "A100s" });
    const eventsBefore = (await pg.db.select().from(taskEvents)).length;

    expect(await syncResourcesFromConfig(pg.db, config)).toEqual([]);
    expect((await pg.db.select().from(taskEvents)).length).toBe(eventsBefore);
    expect(await resource("licences")).toMatchObject({ capacity: 4, inUse: 3 });
    expect(await resource("api_quota")).toMatchObject({ scope: "pool", capacity: 100 });
    // The file gives no description for gpu: the operator's stays.
    expect(await resource("gpu")).toMatchObject({ description: "A100s" });

    const grown = { ...config, pools: { ...config.pools, licences: { capacity: 6 } } };
    expect(await syncResourcesFromConfig(pg.db, grown)).toEqual(["licences"]);
    expect(await resource("licences")).toMatchObject({ capacity: 6, inUse: 3 });
  });

  it("refuses to change the scope of a resource that is held", async () => {
    await upsertResource(pg.db, { name: "cpu", scope: "pool", capacity: 8 });
    await allocate("cpu", 2);
    await expect(syncResourcesFromConfig(pg.db, config)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining('"cpu"'),
    });
    expect(await resource("cpu")).toMatchObject({ scope: "pool", capacity: 8 });
  });
});

describe("upsertResource", () => {
  it("validates capacity against the scope and the name", async () => {
    const cases = [
      [{ name: "p", scope: "pool" }, /^capacity: a pool needs/],
      [{ name: "p", scope: "pool", capacity: 0 }, /^capacity: a pool needs/],
      [{ name: "p", scope: "pool", capacity: Number.POSITIVE_INFINITY }, /^capacity:/],
      [{ name: "a", scope: "agent", capacity: 4 }, /^capacity: an agent-scoped resource/],
      [{ name: "Bad-Name", scope: "agent" }, /^name:/],
    ] as const;
    for (const [params, message] of cases) {
      await expect(upsertResource(pg.db, params)).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringMatching(message),
      });
    }
    expect(await pg.db.select().from(resources)).toEqual([]);
  });

  it("changes a scope only while nothing is held, and records each change", async () => {
    await upsertResource(pg.db, { name: "slots", scope: "agent", description: "worker slots" });
    await allocate("slots", 1, true);
    const pool = await upsertResource(pg.db, { name: "slots", scope: "pool", capacity: 10 });
    expect(pool).toMatchObject({ scope: "pool", capacity: 10, description: "worker slots" });

    await allocate("slots", 1);
    await expect(upsertResource(pg.db, { name: "slots", scope: "agent" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    // Same scope: a capacity below what is held is allowed; claims then wait.
    await upsertResource(pg.db, { name: "slots", scope: "pool", capacity: 1, description: null });
    expect(await resource("slots")).toMatchObject({ capacity: 1, description: null });

    const kinds = await pg.db.select({ kind: taskEvents.kind }).from(taskEvents);
    expect(kinds.map((k) => k.kind)).toEqual([
      "resource.updated",
      "resource.updated",
      "resource.updated",
    ]);
  });
});

describe("listResources", () => {
  it("shows the holders of open allocations, and sums them for agent-scoped resources", async () => {
    await syncResourcesFromConfig(pg.db, config);
    await pg.db.update(resources).set({ inUse: 3 }).where(eq(resources.name, "licences"));
    const a = await allocate("licences", 1);
    const b = await allocate("licences", 2);
    await allocate("licences", 5, true);
    const c = await allocate("cpu", 1.5);
    const d = await allocate("cpu", 2);

    const list = await listResources(pg.db);
    const licences = list.find((r) => r.name === "licences");
    expect(licences).toMatchObject({ scope: "pool", capacity: 4, inUse: 3 });
    expect(licences?.holders.map((h) => [h.taskId, h.taskName, h.amount])).toEqual([
      [a.id, "holds licences", 1],
      [b.id, "holds licences", 2],
    ]);
    expect(licences?.holders[0]).toMatchObject({ agentId: a.agentId, since: expect.any(Date) });
    const cpu = list.find((r) => r.name === "cpu");
    expect(cpu).toMatchObject({ scope: "agent", capacity: null, inUse: 3.5 });
    expect(cpu?.holders.map((h) => h.taskId)).toEqual([c.id, d.id]);
    expect(list.find((r) => r.name === "gpu")).toMatchObject({ inUse: 0, holders: [] });
  });
});
