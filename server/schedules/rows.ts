import type { schedules } from "@/db/schema/schedules";
import { DomainError } from "@/server/errors";
import type { ScheduleParams } from "./inputs";
import { type Plan, planFires } from "./plan";
import type { Timing } from "./times";
import { nextFireAfter } from "./times";

export type ScheduleRow = typeof schedules.$inferSelect;

/** Who manages a schedule: orchestrators only those their own token created. */
export interface ScheduleActor {
  tokenId: string | null;
  role: string;
}

export function timingOf(
  row: Pick<ScheduleRow, "cron" | "everyS" | "timezone" | "startAt" | "createdAt">,
): Timing {
  if (row.everyS != null) return { everyS: row.everyS, anchor: row.startAt ?? row.createdAt };
  return { cron: row.cron ?? "", timezone: row.timezone };
}

/** What a pass does for the schedule in `row` at `now` (server/schedules/plan.ts). */
export function planFor(row: ScheduleRow, now: Date, unfinishedRuns: number): Plan {
  return planFires({
    timing: timingOf(row),
    overlap: row.overlap,
    catchup: row.catchup,
    catchupWindowS: row.catchupWindowS,
    endAt: row.endAt,
    nextFireAt: row.nextFireAt,
    bufferedFireAt: row.bufferedFireAt,
    now,
    unfinishedRuns,
  });
}

/** The first fire after `now` (and not before `startAt`), or null when `endAt` has passed. */
export function firstFireAt(
  row: Pick<ScheduleRow, "cron" | "everyS" | "timezone" | "startAt" | "endAt" | "createdAt">,
  now: Date,
): Date | null {
  const from = row.startAt && row.startAt > now ? new Date(row.startAt.getTime() - 1) : now;
  const next = nextFireAfter(timingOf(row), from);
  return next && row.endAt && next > row.endAt ? null : next;
}

export function assertManages(row: ScheduleRow, actor: ScheduleActor, verb: string): void {
  if (actor.role === "orchestrator" && row.createdBy !== actor.tokenId) {
    throw new DomainError(
      "FORBIDDEN",
      `an orchestrator may ${verb} only the schedules its own token created`,
    );
  }
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** A schedule on the wire: timestamps as ISO strings, the spec under `task` or `workflow`. */
export function scheduleView(row: ScheduleRow) {
  const spec = row.spec as ScheduleParams["task"] | ScheduleParams["workflow"];
  return {
    id: row.id,
    name: row.name,
    cron: row.cron,
    everyS: row.everyS,
    timezone: row.timezone,
    kind: row.kind,
    task: row.kind === "task" ? (spec as ScheduleParams["task"]) : null,
    workflow: row.kind === "workflow" ? (spec as ScheduleParams["workflow"]) : null,
    overlap: row.overlap,
    catchup: row.catchup,
    catchupWindowS: row.catchupWindowS,
    startAt: iso(row.startAt),
    endAt: iso(row.endAt),
    paused: row.paused,
    nextFireAt: iso(row.nextFireAt),
    lastFireAt: iso(row.lastFireAt),
    bufferedFireAt: iso(row.bufferedFireAt),
    source: row.source,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type ScheduleView = ReturnType<typeof scheduleView>;

/** The stored form of a validated schedule (its columns, without the computed ones). */
export function scheduleValues(params: ScheduleParams) {
  return {
    name: params.name,
    cron: params.cron ?? null,
    everyS: params.everyS ?? null,
    timezone: params.timezone,
    kind: params.task ? ("task" as const) : ("workflow" as const),
    spec: params.task ?? params.workflow,
    overlap: params.overlap,
    catchup: params.catchup,
    catchupWindowS: params.catchupWindowS,
    startAt: params.startAt ? new Date(params.startAt) : null,
    endAt: params.endAt ? new Date(params.endAt) : null,
    paused: params.paused,
  };
}

/** The input that would create this schedule again: the base an update is merged into. */
export function scheduleParamsOf(row: ScheduleRow): Record<string, unknown> {
  const view = scheduleView(row);
  return {
    name: view.name,
    ...(view.cron !== null ? { cron: view.cron } : { everyS: view.everyS }),
    timezone: view.timezone,
    ...(view.kind === "task" ? { task: view.task } : { workflow: view.workflow }),
    overlap: view.overlap,
    catchup: view.catchup,
    catchupWindowS: view.catchupWindowS,
    ...(view.startAt ? { startAt: view.startAt } : {}),
    ...(view.endAt ? { endAt: view.endAt } : {}),
    paused: view.paused,
  };
}
