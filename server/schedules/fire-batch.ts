import { and, count, eq, inArray, isNotNull, lte, notInArray, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Transaction } from "@/db/client";
import { queryRows } from "@/db/rows";
import { schedules } from "@/db/schema/schedules";
import { tasks } from "@/db/schema/tasks";
import { TERMINAL_STATES } from "@/lib/tasks/states";
import { type NewEvent, notifyQueue, recordEvents } from "@/server/events/record";
import { type SubmitTaskParams, submitTaskInput } from "@/server/tasks/inputs";
import { readyColumns } from "@/server/tasks/ready";
import { assertSatisfiable } from "@/server/tasks/requirements";
import { chunks, taskValues } from "@/server/tasks/rows";
import { submittedEvent, waitingAtSubmit } from "@/server/tasks/submit";
import { newTaskId } from "@/server/tasks/task-id";
import type { Plan } from "./plan";
import { planFor, type ScheduleRow } from "./rows";
import { cancelUnfinishedRuns } from "./run";

/**
 * The fires of many task schedules in one transaction and a handful of set-based statements:
 * 1,000 schedules due in the same second cost one commit, not 1,000. Each task is what
 * `submitTask` makes of the spec (no dependencies, no idempotency key: a schedule's spec has
 * none), and the checks are the same (`assertSatisfiable`). A refusal throws, and the caller
 * falls back to one schedule at a time (server/schedules/fire.ts), which isolates the culprit.
 * Workflow schedules always go that way.
 */
export async function fireTaskSchedules(
  db: Database,
  ids: readonly string[],
  now: Date,
  options: FireBatchOptions = {},
) {
  if (ids.length === 0) return;
  await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(schedules)
      .where(
        and(
          inArray(schedules.id, [...ids]),
          eq(schedules.kind, "task"),
          eq(schedules.paused, false),
          or(lte(schedules.nextFireAt, now), isNotNull(schedules.bufferedFireAt)),
        ),
      )
      .orderBy(schedules.id)
      .for("update", { skipLocked: true });
    if (rows.length === 0) return;
    for (const row of rows) taskSpecOf(row);
    // A plan depends on the row, `now` and the unfinished runs, which `allow` ignores: those
    // are planned ahead. The others count their runs once the fire time has come.
    const early = rows
      .filter((row) => row.overlap === "allow")
      .map((row) => ({ row, plan: planFor(row, now, 0) }));
    await options.ready?.();
    const rest = rows.filter((row) => row.overlap !== "allow");
    const unfinished = await unfinishedTaskRuns(
      tx,
      rest.map((row) => row.id),
    );
    const planned = [
      ...early,
      ...rest.map((row) => ({ row, plan: planFor(row, now, unfinished.get(row.id) ?? 0) })),
    ];
    for (const { row, plan } of planned) {
      if (plan.cancelPrevious) await cancelUnfinishedRuns(tx, row);
    }
    await makeFires(tx, planned);
  });
}

export interface FireBatchOptions {
  /**
   * Awaited once the rows are locked and their specs parsed, before anything is decided: the
   * sweep prepares a batch for a fire time just ahead and waits here for that instant. The
   * overlap policies count unfinished runs after it, so they see the state at the fire time;
   * `allow` schedules, which count none, are planned before it.
   */
  ready?: () => Promise<void>;
}

async function unfinishedTaskRuns(tx: Transaction, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ scheduleId: tasks.scheduleId, n: count() })
    .from(tasks)
    .where(and(inArray(tasks.scheduleId, ids), notInArray(tasks.state, [...TERMINAL_STATES])))
    .groupBy(tasks.scheduleId);
  return new Map(rows.map((row) => [row.scheduleId ?? "", row.n]));
}

type Planned = { row: ScheduleRow; plan: Plan };

// A stored spec is parsed again before each submission (it may come from an older version), but
// once per version of the schedule, not once per fire: 1,000 schedules fire every second.
const parsedSpecs = new Map<string, { version: number; spec: SubmitTaskParams }>();

function taskSpecOf(row: ScheduleRow): SubmitTaskParams {
  const cached = parsedSpecs.get(row.id);
  if (cached && cached.version === row.updatedAt.getTime()) return cached.spec;
  const spec = submitTaskInput.parse(row.spec);
  if (parsedSpecs.size >= 100_000) parsedSpecs.clear();
  parsedSpecs.set(row.id, { version: row.updatedAt.getTime(), spec });
  return spec;
}

async function makeFires(tx: Transaction, planned: Planned[]) {
  const fires = planned.flatMap(({ row, plan }) =>
    plan.fires.map((fire) => ({
      scheduleId: row.id,
      fireAt: fire.at.toISOString(),
      outcome: fire.outcome,
      reason: fire.outcome === "skipped" ? fire.reason : null,
      taskId: fire.outcome === "fired" ? newTaskId() : null,
    })),
  );
  const byId = new Map(planned.map(({ row }) => [row.id, row]));
  const specs = new Map(planned.map(({ row }) => [row.id, taskSpecOf(row)]));
  await assertSatisfiable(
    tx,
    fires
      .filter((fire) => fire.taskId)
      .map((fire) => ({
        label: `schedule ${byId.get(fire.scheduleId)?.name} task`,
        requires: specs.get(fire.scheduleId)?.requires ?? {},
      })),
  );

  const made: typeof fires = [];
  for (const batch of chunks(fires, 5000)) {
    // Only a fire no other instance has committed gets a row, and only such a fire a task.
    const inserted = await queryRows(
      tx,
      "insert schedule fires",
      z.object({ schedule_id: z.string(), fire_at: z.string() }),
      sql`
      insert into schedule_fires (schedule_id, fire_at, outcome, reason, task_id, created_at)
      select v."scheduleId", v."fireAt", v.outcome, v.reason, v."taskId", clock_timestamp()
      from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as v("scheduleId" uuid,
        "fireAt" timestamptz, outcome text, reason text, "taskId" uuid)
      on conflict (schedule_id, fire_at) do nothing
      returning schedule_id, fire_at`,
    );
    const key = (scheduleId: string, at: string) => `${scheduleId}/${Date.parse(at)}`;
    const kept = new Set(inserted.map((row) => key(row.schedule_id, row.fire_at)));
    made.push(...batch.filter((fire) => kept.has(key(fire.scheduleId, fire.fireAt))));
  }

  const newTasks = made
    .filter((fire) => fire.taskId)
    .map((fire) => {
      const spec = specs.get(fire.scheduleId);
      if (!spec) throw new Error(`no spec for schedule ${fire.scheduleId}`);
      return {
        ...taskValues(spec),
        id: fire.taskId,
        createdBy: byId.get(fire.scheduleId)?.createdBy ?? null,
        scheduleId: fire.scheduleId,
        scheduleFireAt: fire.fireAt,
      };
    });
  const events: NewEvent[] = [];
  // Ready at once, as submitTask makes them: queued, or waiting for the spec's signal.
  const ready = readyColumns(sql`v."waitSignal"`, sql`v."waitTimeoutS"`);
  for (const batch of chunks(newTasks, 5000)) {
    const inserted = await queryRows(
      tx,
      "insert scheduled tasks",
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.string(),
        priority: z.number(),
        state: z.enum(["queued", "waiting"]),
        waitSignal: z.string().nullable(),
        waitDeadline: z.string().nullable(),
      }),
      sql`
      insert into tasks (id, name, type, payload, priority, capabilities, requires, run_at,
        timeout_s, lease_s, max_attempts, backoff_base_s, backoff_max_s, trigger_rule,
        wait_signal, wait_timeout_s, pending_deps, state, queued_at, waiting_since,
        wait_deadline, created_by, schedule_id, schedule_fire_at, concurrency_key,
        concurrency_limit)
      select v.id, v.name, v.type, v.payload, v.priority, v.capabilities, v.requires, v."runAt",
        v."timeoutS", v."leaseS", v."maxAttempts", v."backoffBaseS", v."backoffMaxS",
        v."triggerRule"::trigger_rule, v."waitSignal", v."waitTimeoutS", 0, ${ready.state},
        ${ready.queuedAt}, ${ready.waitingSince}, ${ready.waitDeadline}, v."createdBy",
        v."scheduleId", v."scheduleFireAt", v."concurrencyKey", v."concurrencyLimit"
      from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as v(id uuid, name text,
        type text, payload jsonb, priority int, capabilities text[], requires jsonb,
        "runAt" timestamptz, "timeoutS" int, "leaseS" int, "maxAttempts" int,
        "backoffBaseS" float8, "backoffMaxS" float8, "triggerRule" text, "waitSignal" text,
        "waitTimeoutS" int, "createdBy" uuid, "scheduleId" uuid, "scheduleFireAt" timestamptz,
        "concurrencyKey" text, "concurrencyLimit" int)
      returning id, name, type, priority, state, wait_signal as "waitSignal",
        wait_deadline as "waitDeadline"`,
    );
    for (const task of inserted) {
      events.push(submittedEvent({ ...task, workflowId: null }));
      if (task.state === "waiting") events.push(waitingAtSubmit({ ...task, workflowId: null }));
    }
  }
  for (const fire of made) {
    const name = byId.get(fire.scheduleId)?.name;
    const data = { scheduleId: fire.scheduleId, name, fireAt: fire.fireAt };
    if (fire.taskId) events.push({ kind: "schedule.fired", taskId: fire.taskId, data });
    else events.push({ kind: "schedule.skipped", data: { ...data, reason: fire.reason } });
  }
  for (const { row, plan } of planned) {
    if (plan.caughtUp) {
      events.push({
        kind: "schedule.caught_up",
        data: { scheduleId: row.id, name: row.name, catchup: row.catchup, ...plan.caughtUp },
      });
    }
  }
  for (const batch of chunks(events, 5000)) await recordEvents(tx, batch);
  if (newTasks.length > 0) await notifyQueue(tx);

  const lastFired = new Map<string, string>();
  for (const fire of made) {
    const last = lastFired.get(fire.scheduleId);
    if (fire.taskId && (!last || fire.fireAt > last)) lastFired.set(fire.scheduleId, fire.fireAt);
  }
  const updates = planned.map(({ row, plan }) => ({
    id: row.id,
    next: plan.nextFireAt?.toISOString() ?? null,
    buffered: plan.bufferedFireAt?.toISOString() ?? null,
    last: lastFired.get(row.id) ?? null,
  }));
  await tx.execute(sql`
    update schedules s set next_fire_at = v.next, buffered_fire_at = v.buffered,
      last_fire_at = coalesce(v.last, s.last_fire_at)
    from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
      as v(id uuid, next timestamptz, buffered timestamptz, last timestamptz)
    where s.id = v.id`);
}
