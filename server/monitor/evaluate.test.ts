import { eq, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { resources } from "@/db/schema/resources";
import { taskEvents } from "@/db/schema/tasks";
import { setupTestDatabase } from "@/test/db";
import { acknowledgeAlert, resolveAlert } from "./alerts";
import { createAlertsSweep, evaluateAlerts } from "./evaluate";
import { needsReconcile, rulesWithAlerts } from "./reconcile";
import {
  alertsOf,
  deliveryKinds,
  endClearHold,
  eventKinds,
  insertTask,
  resetMonitorTables,
  testSettings,
} from "./test-helpers";

const pg = setupTestDatabase();
const settings = testSettings();
const evaluate = (db: Database = pg.db) => evaluateAlerts(db, settings);
const operator = crypto.randomUUID();

beforeEach(() => resetMonitorTables(pg.db));

async function pool(name: string, capacity: number, inUse: number) {
  await pg.db
    .insert(resources)
    .values({ name, scope: "pool", capacity, inUse })
    .onConflictDoUpdate({ target: resources.name, set: { capacity, inUse } });
}

describe("hysteresis", () => {
  it("keeps a ratio alert firing inside the band below the threshold", async () => {
    await pool("gpu", 100, 85);
    await evaluate();
    await pool("gpu", 100, 75); // below 0.8 but above 0.8 x 0.9 = 0.72
    await evaluate();
    const [alert] = await alertsOf(pg.db, "resource_usage");
    expect(alert).toMatchObject({ state: "firing", clearSince: null });
    expect(alert?.value).toBeCloseTo(0.75);
    expect(await eventKinds(pg.db)).toEqual(["alert.opened", "alert.updated"]);
  });

  it("forgets a clear hold when the condition returns before it ends", async () => {
    await pool("gpu", 10, 9);
    await evaluate();
    await pool("gpu", 10, 1);
    await evaluate();
    await pool("gpu", 10, 9);
    await evaluate();
    await endClearHold(pg.db, "resource_usage"); // nothing is clearing: no effect
    await evaluate();
    expect(await alertsOf(pg.db, "resource_usage")).toMatchObject([
      { state: "firing", clearSince: null },
    ]);
  });

  it("records no update while only the clock moves a time rule's value", async () => {
    await insertTask(pg.db, "running", 61);
    await evaluate();
    await pg.db.execute(sql`update tasks set started_at = started_at - interval '30 s'`);
    await evaluate();
    expect(await eventKinds(pg.db)).toEqual(["alert.opened"]);
  });
});

describe("notifications", () => {
  it("queues opened, escalated and resolved alerts, but no escalation once acknowledged", async () => {
    await pool("seen", 10, 8);
    await pool("unseen", 10, 8);
    await evaluate();
    const [seen] = (await alertsOf(pg.db, "resource_usage")).filter(
      (a) => a.subject === "pool:seen",
    );
    if (!seen) throw new Error("no alert for pool seen");
    await acknowledgeAlert(pg.db, seen.id, operator);

    await pool("seen", 10, 10);
    await pool("unseen", 10, 10);
    await evaluate();
    const after = await alertsOf(pg.db, "resource_usage");
    expect(after.map((a) => a.severity)).toEqual(["critical", "critical"]);
    expect(await deliveryKinds(pg.db)).toEqual(["alert.opened", "alert.opened", "alert.updated"]);
    expect(await eventKinds(pg.db)).toEqual([
      "alert.opened",
      "alert.opened",
      "alert.acknowledged",
      "alert.updated",
      "alert.updated",
    ]);
  });

  it("queues nothing without a webhook, while events are still recorded", async () => {
    await pool("gpu", 1, 1);
    await evaluateAlerts(pg.db, testSettings({ notify: false }));
    expect(await deliveryKinds(pg.db)).toEqual([]);
    expect(await eventKinds(pg.db)).toEqual(["alert.opened"]);
  });

  it("puts task alerts on the task's timeline", async () => {
    const id = await insertTask(pg.db, "running", 61);
    await evaluate();
    const [event] = await pg.db.select().from(taskEvents).where(eq(taskEvents.taskId, id));
    expect(event).toMatchObject({ kind: "alert.opened", data: { rule: "task_duration" } });
  });
});

describe("an operator's resolve", () => {
  it("holds back a new alert until the condition has cleared", async () => {
    await pool("gpu", 10, 9);
    await evaluate();
    const [alert] = await alertsOf(pg.db, "resource_usage");
    await resolveAlert(pg.db, alert?.id ?? 0, operator, { webhook: true });
    await evaluate();
    expect(await alertsOf(pg.db, "resource_usage")).toMatchObject([
      { state: "resolved", resolvedBy: operator },
    ]);

    await pool("gpu", 10, 1);
    await evaluate();
    await pool("gpu", 10, 9);
    await evaluate();
    expect(await alertsOf(pg.db, "resource_usage")).toMatchObject([
      { state: "resolved" },
      { state: "firing" },
    ]);
  });
});

describe("rules with nothing to reconcile", () => {
  it("are those with no alert to read and nothing over the threshold", () => {
    const seen = (breaching: boolean) => ({
      subject: "pool:gpu",
      value: 0.75,
      breaching,
      severity: "warning" as const,
      message: "",
    });
    const result = (observations: ReturnType<typeof seen>[]) => ({
      rule: "resource_usage" as const,
      threshold: 0.8,
      observations,
      nextDueAt: null,
      valuesFollowClock: false,
    });
    const none = new Set<string>();
    expect(needsReconcile(result([]), none)).toBe(false);
    // Inside the hysteresis band: it only keeps a firing alert firing, and there is none.
    expect(needsReconcile(result([seen(false)]), none)).toBe(false);
    expect(needsReconcile(result([seen(true)]), none)).toBe(true);
    // A firing alert or a hold: its clear must start, or the hold be lifted.
    expect(needsReconcile(result([]), new Set(["resource_usage"]))).toBe(true);
  });

  it("still say when their view changes by the clock", async () => {
    await insertTask(pg.db, "running", 20);
    const report = await evaluate();
    expect(report).toMatchObject({ opened: 0, updated: 0, resolved: 0 });
    // task_duration (60 s) will see this task 40 s from now: the pass must wake then.
    const dueInS = ((report.nextDueAt?.getTime() ?? 0) - Date.now()) / 1000;
    expect(dueInS).toBeGreaterThan(35);
    expect(dueInS).toBeLessThanOrEqual(40);
  });

  it("are those without a firing alert or a re-open hold", async () => {
    await pool("gpu", 10, 9);
    await insertTask(pg.db, "running", 61);
    await evaluate();
    expect([...(await rulesWithAlerts(pg.db))].sort()).toEqual(["resource_usage", "task_duration"]);

    // An operator's resolve holds back a re-open: the rule still has an alert to reconcile.
    const [alert] = await alertsOf(pg.db, "resource_usage");
    await resolveAlert(pg.db, alert?.id ?? 0, operator, { webhook: false });
    expect([...(await rulesWithAlerts(pg.db))].sort()).toEqual(["resource_usage", "task_duration"]);

    // Once the condition has cleared, the hold is lifted and the rule has nothing left.
    await pool("gpu", 10, 1);
    await evaluate();
    expect([...(await rulesWithAlerts(pg.db))]).toEqual(["task_duration"]);
  });
});

describe("the alerts sweep", () => {
  it("is due again by the monitoring interval at the latest", async () => {
    const sweep = createAlertsSweep(() => testSettings({ monitoringIntervalS: 7 }));
    const { nextDueAt } = await sweep.run(pg.db);
    expect((nextDueAt?.getTime() ?? 0) - Date.now()).toBeLessThanOrEqual(7_000);
    expect((nextDueAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(5_000);
  });
});
