import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { agents } from "@/db/schema/agents";
import { allocations, resources } from "@/db/schema/resources";
import { tasks } from "@/db/schema/tasks";
import { listAgents } from "@/server/agents/list";
import { listResources } from "@/server/resources/list";
import { claimTasks } from "@/server/tasks/claim";
import { completeTasks } from "@/server/tasks/finish";
import { setupTestDatabase } from "@/test/db";
import { defineAgentResource, definePool, makeAgent, submit } from "@/test/engine";
import { UTILISATION_RANGE_NAMES, type UtilisationSeries, utilisation } from "./utilisation";

const pg = setupTestDatabase();

beforeEach(async () => {
  for (const table of [allocations, tasks, agents, resources]) await pg.db.delete(table);
});

/** An allocation row with hand-picked times; `to` null means still held. */
async function held(
  resource: string,
  amount: number,
  from: string,
  to: string | null,
  agentId: string = randomUUID(),
) {
  await pg.db.insert(allocations).values({
    taskId: randomUUID(),
    leaseEpoch: 1,
    agentId,
    resource,
    amount,
    acquiredAt: new Date(from),
    releasedAt: to === null ? null : new Date(to),
  });
}

const ratios = (series: UtilisationSeries | undefined) => series?.points.map((p) => p.ratio) ?? [];
const filled = (n: number, value: number) => Array<number>(n).fill(value);

describe("utilisation from allocation rows", () => {
  it("averages what is held over each bucket, time-weighted, per pool and per agent", async () => {
    await definePool(pg.db, "licences", 4);
    await pg.db.execute(sql`update resources set in_use = 1 where name = 'licences'`);
    const worker = await makeAgent(pg.db, { name: "worker", capacity: { cpu: 8, slots: 0 } });
    await makeAgent(pg.db, { name: "gone", capacity: { cpu: 8 } });
    await pg.db.execute(sql`update agents set status = 'offline' where name = 'gone'`);

    await held("licences", 1, "2024-01-01T09:00:00Z", "2024-01-01T10:05:00Z"); // across the start
    await held("licences", 2, "2024-01-01T10:00:00Z", "2024-01-01T10:30:00Z");
    await held("licences", 4, "2024-01-01T10:40:00Z", "2024-01-01T10:40:30Z"); // half a bucket
    await held("licences", 1, "2024-01-01T10:50:00Z", null); // open: counts up to now
    await held("licences", 4, "2024-01-01T09:00:00Z", "2024-01-01T09:30:00Z"); // before the range
    await held("cpu", 4, "2024-01-01T10:15:00Z", "2024-01-01T10:45:00Z", worker.agentId);

    const now = new Date("2024-01-01T11:00:00Z");
    const result = await utilisation(pg.db, { range: "1h", now });
    expect(result).toMatchObject({
      range: "1h",
      stepSeconds: 60,
      from: "2024-01-01T10:00:00.000Z",
      to: "2024-01-01T11:00:00.000Z",
    });
    const licences = result.pools.find((s) => s.resource === "licences");
    expect(licences?.points).toHaveLength(61);
    expect(licences?.points[30]?.at).toBe("2024-01-01T10:30:00.000Z");
    expect(ratios(licences)).toEqual([
      ...filled(5, 0.75), // 2 + 1 of 4
      ...filled(25, 0.5), // 2 of 4, 10:05–10:30
      ...filled(10, 0),
      0.5, // 4 of 4 for half of 10:40–10:41
      ...filled(9, 0),
      ...filled(10, 0.25), // the open allocation, 10:50 to now
      0.25, // closing point: in_use / capacity now
    ]);
    expect(licences).toMatchObject({ held: 1, capacity: 4, ratio: 0.25 });

    // "gone" is offline and held nothing: no flat line for it. slots 0 is no capacity at all.
    expect(result.agents.map((s) => [s.agentName, s.resource])).toEqual([["worker", "cpu"]]);
    const cpu = result.agents[0];
    expect(ratios(cpu)).toEqual([...filled(15, 0), ...filled(30, 0.5), ...filled(16, 0)]);
  });

  it("averages the partial last bucket over its elapsed part only", async () => {
    await definePool(pg.db, "gpu", 4);
    await held("gpu", 1, "2024-01-01T10:59:00Z", null);
    await held("gpu", 2, "2024-01-01T11:00:00Z", "2024-01-01T11:00:03.500Z");
    // 15 s steps on a 15 s grid: the range ends in the bucket 11:00:00–11:00:15, 7 s into it.
    const now = new Date("2024-01-01T11:00:07Z");
    const result = await utilisation(pg.db, { range: "15m", now });
    expect(result).toMatchObject({ stepSeconds: 15, from: "2024-01-01T10:45:15.000Z" });
    const gpu = result.pools[0];
    const points = gpu?.points ?? [];
    expect(points.at(-2)).toEqual({ at: "2024-01-01T11:00:00.000Z", held: 2, ratio: 0.5 });
    expect(points.at(-3)).toMatchObject({ at: "2024-01-01T10:59:45.000Z", held: 1 });
    expect(points.at(-1)).toMatchObject({ at: "2024-01-01T11:00:07.000Z", held: 0 });
    expect(points.filter((p) => p.held > 0)).toHaveLength(5);
  });
});

describe("the closing point", () => {
  it("equals what resources.list and agents.list report now, for every range", async () => {
    await definePool(pg.db, "gpu", 4);
    await defineAgentResource(pg.db, "cpu");
    const agent = await makeAgent(pg.db, { name: "a1", capacity: { cpu: 8 } });
    for (const name of ["one", "two"]) {
      await submit(pg.db, { name, requires: { gpu: 1, cpu: 3 } });
    }
    const claimed = await claimTasks(pg.db, agent.agentId, 5);
    expect(claimed).toHaveLength(2);

    const expectAgreement = async (gpuRatio: number, cpuRatio: number) => {
      const [list, fleet] = await Promise.all([listResources(pg.db), listAgents(pg.db)]);
      const gpu = list.find((r) => r.name === "gpu");
      const cpu = list.find((r) => r.name === "cpu");
      const a1 = fleet.find((a) => a.id === agent.agentId);
      expect((gpu?.inUse ?? Number.NaN) / (gpu?.capacity ?? Number.NaN)).toBe(gpuRatio);
      expect((a1?.used.cpu ?? 0) / (a1?.capacity.cpu ?? Number.NaN)).toBe(cpuRatio);
      for (const range of UTILISATION_RANGE_NAMES) {
        const result = await utilisation(pg.db, { range });
        const pool = result.pools.find((s) => s.resource === "gpu");
        const mine = result.agents.find((s) => s.agentId === agent.agentId && s.resource === "cpu");
        expect(pool?.points.at(-1)?.ratio, range).toBe(gpuRatio);
        expect(mine?.points.at(-1)?.ratio, range).toBe(cpuRatio);
        // An agent-scoped resource's total in resources.list is the sum of the agents' series.
        const cpuHeld = result.agents
          .filter((s) => s.resource === "cpu")
          .reduce((sum, s) => sum + (s.points.at(-1)?.held ?? 0), 0);
        expect(cpuHeld, range).toBe(cpu?.inUse);
      }
    };

    await expectAgreement(0.5, 0.75);
    const [first] = claimed;
    if (!first) throw new Error("nothing claimed");
    await completeTasks(pg.db, agent, [{ taskId: first.id, leaseEpoch: first.leaseEpoch }]);
    await expectAgreement(0.25, 0.375);
    // An operator's correction of in_use shows at once: the pool's current value is that column.
    await pg.db.execute(sql`update resources set in_use = 3 where name = 'gpu'`);
    await expectAgreement(0.75, 0.375);
  });
});
