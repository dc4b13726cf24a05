import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/db/client";
import { alerts } from "@/db/schema/alerts";
import { resources } from "@/db/schema/resources";
import { setupTestDatabase } from "@/test/db";
import { evaluateAlerts } from "./evaluate";
import {
  alertsOf,
  deliveryKinds,
  eventKinds,
  insertTask,
  resetMonitorTables,
  testSettings,
} from "./test-helpers";

const pg = setupTestDatabase();
const evaluate = (db: Database) => evaluateAlerts(db, testSettings());

beforeEach(() => resetMonitorTables(pg.db));

async function pool(name: string, capacity: number, inUse: number) {
  await pg.db.insert(resources).values({ name, scope: "pool", capacity, inUse });
}

describe("two instances evaluating at once", () => {
  let other: ReturnType<typeof createDatabase> | undefined;
  beforeAll(() => {
    other = createDatabase(pg.url, { max: 2, applicationName: "task-manager-test-other" });
  });
  afterAll(() => other?.sql.end({ timeout: 5 }));

  it("open exactly one alert per rule and subject", async () => {
    const otherDb = other?.db;
    if (!otherDb) throw new Error("no second connection");
    for (let round = 1; round <= 5; round++) {
      await pool(`pool_${round}`, 10, 9);
      await insertTask(pg.db, "running", 61);
      await Promise.all([evaluate(pg.db), evaluate(otherDb), evaluate(otherDb)]);
    }
    const firing = [
      ...(await alertsOf(pg.db, "resource_usage")),
      ...(await alertsOf(pg.db, "task_duration")),
    ];
    expect(firing).toHaveLength(10);
    expect(new Set(firing.map((a) => a.subject)).size).toBe(10);
    expect((await eventKinds(pg.db)).filter((k) => k === "alert.opened")).toHaveLength(10);
    expect(await deliveryKinds(pg.db)).toHaveLength(10);
  });

  it("leave the insert that loses the race to the unique index, recording nothing", async () => {
    const otherDb = other?.db;
    if (!otherDb) throw new Error("no second connection");
    await pool("gpu", 10, 9);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    // The other instance has inserted the same alert and not committed yet.
    const holding = otherDb.transaction(async (tx) => {
      await tx.insert(alerts).values({
        rule: "resource_usage",
        subject: "pool:gpu",
        severity: "warning",
        value: 0.9,
        threshold: 0.8,
        message: "the other instance's",
      });
      inserted();
      await gate;
    });
    await insertedYet;
    const evaluating = evaluate(pg.db);
    // Wait (without sleeping) until this evaluation's insert waits on the other's row.
    while (!(await waitingOnLock())) {}
    release();
    await Promise.all([holding, evaluating]);
    expect(await alertsOf(pg.db, "resource_usage")).toMatchObject([
      { state: "firing", message: "the other instance's" },
    ]);
    expect(await eventKinds(pg.db)).toEqual([]);
  });

  it("cannot both hold a firing alert for one subject: the index refuses the second", async () => {
    const row = {
      rule: "agent_offline" as const,
      subject: "agent:x",
      severity: "warning" as const,
      value: 1,
      threshold: 30,
      message: "twice",
    };
    await pg.db.insert(alerts).values(row);
    await expect(pg.db.insert(alerts).values(row)).rejects.toThrow();
    await pg.db.insert(alerts).values({ ...row, state: "resolved" });
  });
});

async function waitingOnLock(): Promise<boolean> {
  const [row] = await pg.db.execute<{ waiting: boolean }>(sql`
    select exists (select 1 from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock') as waiting`);
  return row?.waiting ?? false;
}
