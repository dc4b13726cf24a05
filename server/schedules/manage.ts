import { asc, eq, gt, sql } from "drizzle-orm";
import type { Database, Executor, Transaction } from "@/db/client";
import { schedules } from "@/db/schema/schedules";
import { DomainError, notFound } from "@/server/errors";
import { recordEvents } from "@/server/events/record";
import { validateDag } from "@/server/tasks/dag";
import { assertSatisfiable } from "@/server/tasks/requirements";
import { type ScheduleDetail, scheduleDetails } from "./details";
import { type ScheduleParams, scheduleInput, type UpdateScheduleParams } from "./inputs";
import {
  assertManages,
  firstFireAt,
  type ScheduleActor,
  type ScheduleRow,
  type ScheduleView,
  scheduleParamsOf,
  scheduleValues,
  scheduleView,
} from "./rows";
import { makeFire } from "./run";
import { fireTimes } from "./times";

/**
 * The checks `tasks.submit` / `workflows.submit` make beyond their input schema (the DAG, and
 * resources that exist), made when the schedule is saved so a bad spec is refused then.
 */
async function assertSubmittable(tx: Executor, params: ScheduleParams): Promise<void> {
  if (params.task) {
    await assertSatisfiable(tx, [{ label: "task", requires: params.task.requires }]);
  }
  if (params.workflow) {
    validateDag(params.workflow.tasks);
    await assertSatisfiable(
      tx,
      params.workflow.tasks.map((task, index) => ({
        label: `workflow.tasks[${index}] (key ${JSON.stringify(task.key)})`,
        requires: task.requires,
      })),
    );
  }
}

/**
 * `schedule.changed`: pages showing schedules re-read them, and every instance's event hub hears
 * it, so the leader wakes for a sooner next fire time wherever the change was made
 * (server/monitor/trigger.ts wakes the leader on every committed event).
 */
export async function recordScheduleChange(
  tx: Executor,
  row: Pick<ScheduleRow, "id" | "name" | "paused">,
  change: "created" | "updated" | "deleted",
): Promise<void> {
  await recordEvents(tx, [
    {
      kind: "schedule.changed",
      data: { scheduleId: row.id, name: row.name, change, paused: row.paused },
    },
  ]);
}

function nameTaken(name: string) {
  return new DomainError("CONFLICT", `a schedule named ${JSON.stringify(name)} exists already`);
}

export async function createSchedule(
  db: Database,
  params: ScheduleParams,
  actor: ScheduleActor,
  source: "api" | "config" = "api",
): Promise<ScheduleView> {
  return db.transaction(async (tx) => {
    await assertSubmittable(tx, params);
    const now = new Date();
    const values = { ...scheduleValues(params), createdAt: now };
    const [row] = await tx
      .insert(schedules)
      .values({
        ...values,
        source,
        createdBy: actor.tokenId,
        nextFireAt: firstFireAt(values, now),
      })
      .onConflictDoNothing({ target: schedules.name })
      .returning();
    if (!row) throw nameTaken(params.name);
    await recordScheduleChange(tx, row, "created");
    return scheduleView(row);
  });
}

async function lockSchedule(tx: Transaction, id: string): Promise<ScheduleRow> {
  const [row] = await tx.select().from(schedules).where(eq(schedules.id, id)).for("update");
  if (!row) throw notFound(`schedule ${id}`);
  return row;
}

/** Merges the change into the schedule and validates the result whole, as a creation would. */
export async function updateSchedule(
  db: Database,
  change: UpdateScheduleParams,
  actor: ScheduleActor,
): Promise<ScheduleView> {
  return db.transaction(async (tx) => {
    const row = await lockSchedule(tx, change.id);
    assertManages(row, actor, "update");
    const { id: _id, ...fields } = change;
    const merged: Record<string, unknown> = { ...scheduleParamsOf(row) };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (value === null) delete merged[key];
      else merged[key] = value;
      if (key === "cron") delete merged.everyS;
      if (key === "everyS") delete merged.cron;
      if (key === "task") delete merged.workflow;
      if (key === "workflow") delete merged.task;
    }
    const parsed = scheduleInput.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.join(".") ?? "";
      throw new DomainError(
        "BAD_REQUEST",
        `${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`,
      );
    }
    await assertSubmittable(tx, parsed.data);
    return saveScheduleInTx(tx, row, parsed.data);
  });
}

/**
 * Writes the new definition. The next fire time is computed afresh from now (never before the
 * last fire): a changed timing applies from now on, and a resumed schedule does not replay the
 * time it spent paused.
 */
export async function saveScheduleInTx(
  tx: Transaction,
  row: ScheduleRow,
  params: ScheduleParams,
  source: ScheduleRow["source"] = row.source,
): Promise<ScheduleView> {
  const values = scheduleValues(params);
  const now = new Date();
  const from = row.lastFireAt && row.lastFireAt > now ? row.lastFireAt : now;
  const nextFireAt = firstFireAt({ ...values, createdAt: row.createdAt }, from);
  const [updated] = await tx
    .update(schedules)
    .set({
      ...values,
      nextFireAt,
      bufferedFireAt: params.overlap === "buffer_one" ? row.bufferedFireAt : null,
      source,
      updatedAt: now,
    })
    .where(eq(schedules.id, row.id))
    .returning()
    .catch((error: unknown) => {
      if (isUniqueViolation(error)) throw nameTaken(params.name);
      throw error;
    });
  if (!updated) throw notFound(`schedule ${row.id}`);
  await recordScheduleChange(tx, updated, "updated");
  return scheduleView(updated);
}

function isUniqueViolation(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

export async function deleteSchedule(
  db: Database,
  id: string,
  actor: ScheduleActor,
): Promise<{ id: string; deleted: true }> {
  return db.transaction(async (tx) => {
    const row = await lockSchedule(tx, id);
    assertManages(row, actor, "delete");
    // Its runs stay, still naming the schedule they came from.
    await tx.delete(schedules).where(eq(schedules.id, id));
    await recordScheduleChange(tx, row, "deleted");
    return { id, deleted: true as const };
  });
}

export async function setSchedulePaused(
  db: Database,
  id: string,
  paused: boolean,
  actor: ScheduleActor,
): Promise<ScheduleView> {
  return db.transaction(async (tx) => {
    const row = await lockSchedule(tx, id);
    assertManages(row, actor, paused ? "pause" : "resume");
    if (row.paused === paused) return scheduleView(row);
    return saveScheduleInTx(tx, row, { ...scheduleInput.parse(scheduleParamsOf(row)), paused });
  });
}

/** Fires the schedule now, whatever its timing and overlap policy say. */
export async function triggerSchedule(
  db: Database,
  id: string,
  actor: ScheduleActor,
): Promise<{
  scheduleId: string;
  fireAt: string;
  taskId: string | null;
  workflowId: string | null;
}> {
  return db.transaction(async (tx) => {
    const row = await lockSchedule(tx, id);
    assertManages(row, actor, "trigger");
    const fireAt = new Date();
    const run = await makeFire(tx, row, fireAt, { manual: true, by: actor.tokenId });
    if (!run) throw new DomainError("CONFLICT", "the schedule fired at this very instant; retry");
    await tx
      .update(schedules)
      .set({ lastFireAt: fireAt })
      .where(
        sql`${schedules.id} = ${id} and (last_fire_at is null or last_fire_at < ${fireAt.toISOString()})`,
      );
    return { scheduleId: id, fireAt: fireAt.toISOString(), ...run };
  });
}

export async function getSchedule(
  db: Executor,
  id: string,
  actor: ScheduleActor,
): Promise<ScheduleDetail> {
  const rows = await db.select().from(schedules).where(eq(schedules.id, id));
  const [detail] = await scheduleDetails(db, rows, actor);
  if (!detail) throw notFound(`schedule ${id}`);
  return detail;
}

/** Schedules by name, a page at a time, each with its coming fire times and latest fires. */
export async function listSchedules(
  db: Executor,
  params: { limit: number; afterName?: string },
  actor: ScheduleActor,
): Promise<{ items: ScheduleDetail[]; nextAfterName: string | null }> {
  const rows = await db
    .select()
    .from(schedules)
    .where(params.afterName !== undefined ? gt(schedules.name, params.afterName) : undefined)
    .orderBy(asc(schedules.name))
    .limit(params.limit + 1);
  const items = await scheduleDetails(db, rows.slice(0, params.limit), actor);
  return {
    items,
    nextAfterName: rows.length > params.limit ? (items.at(-1)?.name ?? null) : null,
  };
}

/** The next fire times of a timing, before saving it. */
export function previewSchedule(params: {
  cron?: string;
  everyS?: number;
  timezone: string;
  count: number;
  after?: string;
}): { fireTimes: string[] } {
  const after = params.after ? new Date(params.after) : new Date();
  const timing =
    params.everyS !== undefined
      ? { everyS: params.everyS, anchor: after }
      : { cron: params.cron ?? "", timezone: params.timezone };
  return { fireTimes: fireTimes(timing, after, params.count).map((at) => at.toISOString()) };
}
