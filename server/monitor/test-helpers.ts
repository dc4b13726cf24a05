import { randomUUID } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agentHealth, agents } from "@/db/schema/agents";
import { type AlertRule, alertDeliveries, alerts } from "@/db/schema/alerts";
import { allocations, resources } from "@/db/schema/resources";
import { taskEvents, tasks } from "@/db/schema/tasks";
import type { MonitorSettings } from "./settings";

/** Settings for tests: small thresholds, a webhook unless told otherwise. */
export function testSettings(overrides: Partial<MonitorSettings> = {}): MonitorSettings {
  return {
    thresholds: {
      taskDuration: 60,
      resourceUsage: 0.8,
      dependencyWait: 120,
      failureRate: 0.1,
      progressStall: 90,
    },
    quarantineAfterFailures: 5,
    monitoringIntervalS: 300,
    notify: true,
    ...overrides,
  };
}

/** Empties every table the rules read or the monitor writes. */
export async function resetMonitorTables(db: Database) {
  await db.delete(alertDeliveries);
  await db.delete(alerts);
  await db.delete(allocations);
  await db.delete(resources);
  await db.delete(taskEvents);
  await db.delete(tasks);
  await db.delete(agents);
  await db.delete(agentHealth);
}

export async function alertsOf(db: Database, rule: AlertRule) {
  return db.select().from(alerts).where(eq(alerts.rule, rule)).orderBy(asc(alerts.id));
}

export async function eventKinds(db: Database, kindPrefix = "alert.") {
  const rows = await db
    .select({ kind: taskEvents.kind })
    .from(taskEvents)
    .where(sql`${taskEvents.kind} like ${`${kindPrefix}%`}`)
    .orderBy(asc(taskEvents.id));
  return rows.map((row) => row.kind);
}

export async function deliveryKinds(db: Database) {
  const rows = await db
    .select({ kind: alertDeliveries.kind })
    .from(alertDeliveries)
    .orderBy(asc(alertDeliveries.id));
  return rows.map((row) => row.kind);
}

/** Makes the clear hold of a rule's clearing alerts lie in the past, instead of waiting. */
export async function endClearHold(db: Database, rule: AlertRule, seconds = 31) {
  await db
    .update(alerts)
    .set({ clearSince: sql`now() - make_interval(secs => ${seconds})` })
    .where(and(eq(alerts.rule, rule), sql`${alerts.clearSince} is not null`));
}

/** A task straight in the table, in `state`, its clock started `ageS` seconds ago. */
export async function insertTask(
  db: Database,
  state: "running" | "blocked" | "succeeded",
  ageS: number,
): Promise<string> {
  const since = sql`now() - make_interval(secs => ${ageS})`;
  const [row] = await db
    .insert(tasks)
    .values({
      name: `${state} ${ageS}s`,
      state,
      createdAt: since,
      startedAt: state === "running" ? since : null,
      agentId: state === "running" ? randomUUID() : null,
    })
    .returning({ id: tasks.id });
  if (!row) throw new Error("no task inserted");
  return row.id;
}

/** Task outcomes as the failure_rate rule reads them. */
export async function recordOutcomes(db: Database, succeeded: number, failed: number) {
  const rows = [
    ...Array.from({ length: succeeded }, () => ({ kind: "task.succeeded" })),
    ...Array.from({ length: failed }, () => ({ kind: "task.failed" })),
  ];
  if (rows.length > 0) await db.insert(taskEvents).values(rows);
}
