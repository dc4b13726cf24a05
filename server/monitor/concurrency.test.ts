import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/db/client";
import { alerts } from "@/db/schema/alerts";
import { resources } from "@/db/schema/resources";
import { setupTestDatabase } from "@/test/db";
import { pollUntil } from "@/test/poll-until";
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
  let locker: ReturnType<typeof createDatabase> | undefined;
  beforeAll(() => {
    other = createDatabase(pg.url, { max: 2, applicationName: "task-manager-test-other" });
    locker = createDatabase(pg.url, { max: 1, applicationName: "task-manager-test-locker" });
  });
  afterAll(() => Promise.all([other?.sql.end({ timeout: 5 }), locker?.sql.end({ timeout: 5 })]));

  it("open exactly one alert per rule and subject when their inserts race", async () => {
    const otherDb = other?.db;
    if (!otherDb || !locker) throw new Error("no second connection");
    for (let round = 1; round <= 3; round++) {
      await pool(`pool_${round}`, 10, 9);
      await insertTask(pg.db, "running", 61);
    }
    // Inserts into alerts wait behind this lock (reads do not), so all three evaluations
    // reach their first insert before any of them can write: the race is certain, not lucky.
    const gate = holdLock(locker.sql, "lock table alerts in share row exclusive mode");
    await gate.held;
    const evaluations = [evaluate(pg.db), evaluate(otherDb), evaluate(otherDb)];
    await pollUntil("three evaluations waiting to insert", async () => (await lockWaiters()) >= 3);
    gate.release();
    await Promise.all([gate.done, ...evaluations]);

    const firing = [
      ...(await alertsOf(pg.db, "resource_usage")),
      ...(await alertsOf(pg.db, "task_duration")),
    ];
    expect(firing).toHaveLength(6);
    expect(new Set(firing.map((a) => a.subject)).size).toBe(6);
    expect((await eventKinds(pg.db)).filter((k) => k === "alert.opened")).toHaveLength(6);
    expect(await deliveryKinds(pg.db)).toHaveLength(6);
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
    await pollUntil(
      "the evaluation waiting on the other's row",
      async () => (await lockWaiters()) >= 1,
    );
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
    const refusal = await pg.db
      .insert(alerts)
      .values(row)
      .then(
        () => null,
        (error: unknown) => postgresErrorOf(error),
      );
    expect(refusal).toMatchObject({ code: "23505", constraint_name: "alerts_firing_key_idx" });
    await pg.db.insert(alerts).values({ ...row, state: "resolved" });
    const states = (await alertsOf(pg.db, "agent_offline")).map((a) => a.state);
    expect(states).toEqual(["firing", "resolved"]);
  });
});

describe("an operator resolving while an evaluation runs", () => {
  let locker: ReturnType<typeof createDatabase> | undefined;
  beforeAll(() => {
    locker = createDatabase(pg.url, { max: 1, applicationName: "task-manager-test-resolver" });
  });
  afterAll(() => locker?.sql.end({ timeout: 5 }));

  it("does not open the alert again: the resolve holds it back until the condition clears", async () => {
    if (!locker) throw new Error("no second connection");
    await pool("gpu", 10, 9);
    await evaluate(pg.db);
    const [alert] = await alertsOf(pg.db, "resource_usage");
    // The operator's resolve has changed the row and not committed yet: the evaluation's
    // locking read skips it, and it is not a re-open hold yet either.
    const resolving = holdLock(
      locker.sql,
      `update alerts set state = 'resolved', resolved_at = now(), clear_since = null
        where id = ${Number(alert?.id)}`,
    );
    await resolving.held;
    let evaluated = false;
    const evaluation = evaluate(pg.db).then(() => {
      evaluated = true;
    });
    await pollUntil(
      "the evaluation done, or waiting on the resolve",
      async () => evaluated || (await lockWaiters()) >= 1,
    );
    resolving.release();
    await Promise.all([resolving.done, evaluation]);
    await evaluate(pg.db);
    expect((await alertsOf(pg.db, "resource_usage")).map((a) => a.state)).toEqual(["resolved"]);
  });
});

/** Holds `statement`'s lock in an open transaction until released. */
function holdLock(client: ReturnType<typeof createDatabase>["sql"], statement: string) {
  let held = () => {};
  let release = () => {};
  const heldYet = new Promise<void>((resolve) => {
    held = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done = client.begin(async (tx) => {
    await tx.unsafe(statement);
    held();
    await released;
  });
  return { held: heldYet, release, done };
}

async function lockWaiters(): Promise<number> {
  const [row] = await pg.db.execute<{ waiting: number }>(sql`
    select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`);
  return row?.waiting ?? 0;
}

// drizzle wraps the driver's error (DrizzleQueryError); PostgreSQL's fields are on its cause.
function postgresErrorOf(error: unknown): unknown {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ("code" in e) return e;
  }
  return error;
}
