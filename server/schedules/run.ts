import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Transaction } from "@/db/client";
import { col, queryRows } from "@/db/rows";
import { type NewEvent, recordEvents } from "@/server/events/record";
import { cancelUnfinishedTasks } from "@/server/tasks/cancel-unfinished";
import { submitTaskInput, submitWorkflowInput } from "@/server/tasks/inputs";
import { settleEndedAttempts } from "@/server/tasks/settle";
import { submitTask } from "@/server/tasks/submit";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import type { ScheduleRow } from "./rows";

export interface ScheduleRun {
  taskId: string | null;
  workflowId: string | null;
}

/**
 * Records the fire and submits its run, in the caller's transaction: the unique key on
 * (schedule, fire time) lets only one transaction ever commit a given fire. Returns null when
 * that fire exists already (another instance made it). `created_at` is the wall clock, not the
 * transaction's start: fire lag (`created_at - fire_at`) is what the benchmark measures.
 */
export async function makeFire(
  tx: Transaction,
  schedule: ScheduleRow,
  fireAt: Date,
  extra: Record<string, unknown> = {},
): Promise<ScheduleRun | null> {
  const [claimed] = await queryRows(
    tx,
    "claim a schedule fire",
    z.object({ id: col.number() }),
    sql`
    insert into schedule_fires (schedule_id, fire_at, outcome, created_at)
    values (${schedule.id}, ${fireAt.toISOString()}, 'fired', clock_timestamp())
    on conflict (schedule_id, fire_at) do nothing
    returning id`,
  );
  if (!claimed) return null;
  const run = await submitRun(tx, schedule, fireAt);
  await tx.execute(sql`
    update schedule_fires set task_id = ${run.taskId}, workflow_id = ${run.workflowId}
    where id = ${claimed.id}`);
  await recordEvents(tx, [
    {
      kind: "schedule.fired",
      taskId: run.taskId,
      workflowId: run.workflowId,
      data: {
        scheduleId: schedule.id,
        name: schedule.name,
        fireAt: fireAt.toISOString(),
        ...extra,
      },
    },
  ]);
  return run;
}

/** Records a fire that the overlap policy skipped (once, like a fire). */
export async function skipFire(
  tx: Transaction,
  schedule: ScheduleRow,
  fireAt: Date,
  reason: string,
): Promise<void> {
  const [recorded] = await queryRows(
    tx,
    "record a skipped fire",
    z.object({ id: col.number() }),
    sql`
    insert into schedule_fires (schedule_id, fire_at, outcome, reason)
    values (${schedule.id}, ${fireAt.toISOString()}, 'skipped', ${reason})
    on conflict (schedule_id, fire_at) do nothing
    returning id`,
  );
  if (!recorded) return;
  await recordEvents(tx, [
    {
      kind: "schedule.skipped",
      data: {
        scheduleId: schedule.id,
        name: schedule.name,
        fireAt: fireAt.toISOString(),
        reason,
      },
    },
  ]);
}

/**
 * Submits the schedule's spec exactly as `tasks.submit` / `workflows.submit` would (parsed
 * again: the stored spec is data from an older version, perhaps), as its creator, and marks the
 * run with the schedule and the fire time. Nested in the transaction as a savepoint.
 */
async function submitRun(
  tx: Transaction,
  schedule: ScheduleRow,
  fireAt: Date,
): Promise<ScheduleRun> {
  const actor = { tokenId: schedule.createdBy };
  const at = fireAt.toISOString();
  if (schedule.kind === "task") {
    const { task } = await submitTask(tx, submitTaskInput.parse(schedule.spec), actor);
    await tx.execute(sql`
      update tasks set schedule_id = ${schedule.id}, schedule_fire_at = ${at} where id = ${task.id}`);
    return { taskId: task.id, workflowId: null };
  }
  const { workflow } = await submitWorkflow(tx, submitWorkflowInput.parse(schedule.spec), actor);
  await tx.execute(sql`
    update workflows set schedule_id = ${schedule.id}, schedule_fire_at = ${at}
    where id = ${workflow.id}`);
  await tx.execute(sql`
    update tasks set schedule_fire_at = ${at} where workflow_id = ${workflow.id}`);
  return { taskId: null, workflowId: workflow.id };
}

/** The runs of the schedule that have not finished: what the overlap policies look at. */
export async function countUnfinishedRuns(tx: Transaction, schedule: ScheduleRow): Promise<number> {
  const [row] =
    schedule.kind === "task"
      ? await queryRows(
          tx,
          "unfinished scheduled tasks",
          z.object({ n: z.number() }),
          sql`
          select count(*)::int as n from tasks
          where schedule_id = ${schedule.id}
            and state not in ('succeeded', 'failed', 'cancelled')`,
        )
      : await queryRows(
          tx,
          "unfinished scheduled workflows",
          z.object({ n: z.number() }),
          sql`
          select count(*)::int as n from workflows w
          where w.schedule_id = ${schedule.id} and exists (
            select 1 from tasks t
            where t.workflow_id = w.id and t.state not in ('succeeded', 'failed', 'cancelled'))`,
        );
  return row?.n ?? 0;
}

/**
 * `cancel_previous`: cancels every unfinished task of the schedule's runs, as `tasks.cancel` and
 * `workflows.cancel` do (tasks locked in id order, resources released, dependents settled).
 */
export async function cancelUnfinishedRuns(tx: Transaction, schedule: ScheduleRow): Promise<void> {
  const reason = `cancelled by schedule ${schedule.name}: a newer fire replaces this run`;
  const scope =
    schedule.kind === "task"
      ? sql`schedule_id = ${schedule.id}`
      : sql`workflow_id in (select id from workflows where schedule_id = ${schedule.id})`;
  const ended = await cancelUnfinishedTasks(tx, scope, reason);
  if (ended.length === 0) return;
  await settleEndedAttempts(tx, ended, () => ({ reason }));
  const workflowIds = [...new Set(ended.map((row) => row.workflow_id).filter((id) => id !== null))];
  if (workflowIds.length === 0) return;
  const events: NewEvent[] = workflowIds.map((workflowId) => ({
    kind: "workflow.cancelled",
    workflowId,
    data: { reason, scheduleId: schedule.id },
  }));
  await recordEvents(tx, events);
}
