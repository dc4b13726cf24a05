import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { alertDeliveries, alerts } from "@/db/schema/alerts";
import { allocations } from "@/db/schema/resources";
import { taskEvents } from "@/db/schema/tasks";
import { setupTestDatabase } from "@/test/db";
import { createRetentionSweep, pruneHistory } from "./retention";
import { resetMonitorTables } from "./test-helpers";

const pg = setupTestDatabase();
const retention = { eventsDays: 7, samplesDays: 30, logsDays: 7, tasksDays: 30 };

beforeEach(() => resetMonitorTables(pg.db));

const daysAgo = (days: number) => sql`now() - make_interval(days => ${days})`;

async function events(count: number, ageDays: number) {
  await pg.db
    .insert(taskEvents)
    .values(
      Array.from({ length: count }, () => ({ kind: "task.progress", createdAt: daysAgo(ageDays) })),
    );
}

async function allocation(ageDays: number, released: boolean) {
  await pg.db.insert(allocations).values({
    taskId: randomUUID(),
    leaseEpoch: 1,
    agentId: randomUUID(),
    resource: "cpu",
    amount: 1,
    acquiredAt: daysAgo(ageDays),
    releasedAt: released ? daysAgo(ageDays) : null,
  });
}

async function alert(state: "firing" | "resolved", ageDays: number) {
  const [row] = await pg.db
    .insert(alerts)
    .values({
      rule: "agent_offline",
      subject: `agent:${randomUUID()}`,
      state,
      severity: "warning",
      value: 60,
      threshold: 30,
      message: "old",
      openedAt: daysAgo(ageDays),
      resolvedAt: state === "resolved" ? daysAgo(ageDays) : null,
    })
    .returning({ id: alerts.id });
  if (row)
    await pg.db
      .insert(alertDeliveries)
      .values({ alertId: row.id, kind: "alert.opened", payload: {} });
}

async function count(
  table: typeof taskEvents | typeof allocations | typeof alerts | typeof alertDeliveries,
) {
  const [row] = await pg.db.select({ n: sql<number>`count(*)::int` }).from(table);
  return row?.n;
}

describe("pruneHistory", () => {
  it("deletes rows past their age in batches and keeps newer and open ones", async () => {
    await events(12, 8);
    await events(3, 6);
    await allocation(31, true);
    await allocation(31, false); // still held: kept whatever its age
    await allocation(29, true);
    await alert("resolved", 8);
    await alert("firing", 8); // still firing: kept
    await alert("resolved", 1);

    const report = await pruneHistory(pg.db, { ...retention, batch: 5 });
    expect(report).toEqual({
      events: 12,
      allocations: 1,
      alerts: 1,
      logs: 0,
      rollup: 0,
      tasks: 0,
      workflows: 0,
      more: false,
    });
    expect(await count(taskEvents)).toBe(3);
    expect(await count(allocations)).toBe(2);
    expect(await count(alerts)).toBe(2);
    // The pruned alert's delivery went with it.
    expect(await count(alertDeliveries)).toBe(2);
  });

  it("prunes finished tasks after tasksDays too", async () => {
    await pg.db.execute(sql`
      insert into tasks (name, state, finished_at) values
        ('old', 'succeeded', now() - interval '31 days'),
        ('recent', 'succeeded', now() - interval '29 days')`);
    expect(await pruneHistory(pg.db, retention)).toMatchObject({ tasks: 1, workflows: 0 });
    const [left] = await pg.db.execute<{ name: string }>(sql`select name from tasks`);
    expect(left?.name).toBe("recent");
    await pg.db.execute(sql`delete from tasks`);
  });

  it("stops after maxBatches and says more remain", async () => {
    await events(12, 8);
    expect(await pruneHistory(pg.db, { ...retention, batch: 5, maxBatches: 2 })).toMatchObject({
      events: 10,
      more: true,
    });
    expect(await pruneHistory(pg.db, { ...retention, batch: 5, maxBatches: 2 })).toMatchObject({
      events: 2,
      more: false,
    });
  });
});

describe("the retention sweep", () => {
  it("prunes on its first run and then rests for a minute", async () => {
    const sweep = createRetentionSweep(() => retention);
    await events(2, 8);
    expect(await sweep.run(pg.db)).toEqual({ nextDueAt: null });
    expect(await count(taskEvents)).toBe(0);
    await events(2, 8);
    await sweep.run(pg.db);
    expect(await count(taskEvents)).toBe(2);
  });
});
