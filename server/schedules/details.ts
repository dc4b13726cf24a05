import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import type { TaskState } from "@/lib/tasks/states";
import {
  taskStateCountsSql,
  type WorkflowState,
  workflowStateSchema,
  workflowStateSql,
} from "@/server/workflows/state";
import {
  type ScheduleActor,
  type ScheduleRow,
  type ScheduleView,
  scheduleView,
  timingOf,
} from "./rows";
import { fireTimes } from "./times";

/** How many coming fire times, and how many of the latest fires, a schedule is shown with. */
export const UPCOMING_COUNT = 5;
export const RECENT_FIRES = 5;

/** One of the latest fires: the run it submitted and that run's state now, or why it was skipped. */
export interface RecentFire {
  fireAt: string;
  outcome: "fired" | "skipped";
  reason: string | null;
  taskId: string | null;
  workflowId: string | null;
  /** The run's state now: a task's, or a workflow's derived state; null when it is gone. */
  state: TaskState | WorkflowState | null;
}

/** A schedule as the list and `get` show it: what is coming, what came, and who may change it. */
export type ScheduleDetail = ScheduleView & {
  /** The next fire times (ISO 8601); empty while paused or once ended. */
  upcoming: string[];
  /** The latest fires, newest first. */
  recentFires: RecentFire[];
  /** Whether the caller may pause, trigger, edit or delete it (rows.ts `assertManages`). */
  canManage: boolean;
};

export function canManage(row: ScheduleRow, actor: ScheduleActor): boolean {
  if (actor.role === "operator" || actor.role === "admin") return true;
  return actor.role === "orchestrator" && row.createdBy === actor.tokenId;
}

/**
 * The fire times still to come from the stored next fire time: the times the sweep will make
 * (a paused schedule makes none, and its resume starts again from then).
 */
export function upcomingFires(row: ScheduleRow, count = UPCOMING_COUNT): string[] {
  if (row.paused || !row.nextFireAt) return [];
  const rest = fireTimes(timingOf(row), row.nextFireAt, count - 1, row.endAt);
  return [row.nextFireAt, ...rest].map((at) => at.toISOString());
}

/**
 * The latest fires of each schedule with their runs' current states, in one statement: per
 * schedule, the newest rows of its unique (schedule, fire time) index, then each run's task, or
 * its workflow's tasks counted (tasks_workflow_key_idx).
 */
async function recentFires(
  db: Executor,
  ids: readonly string[],
  limit: number,
): Promise<Map<string, RecentFire[]>> {
  const byId = new Map<string, RecentFire[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byId;
  const rows = await queryRows(
    db,
    "recent fires",
    z.object({
      schedule_id: z.string(),
      fire_at: z.string(),
      outcome: z.enum(["fired", "skipped"]),
      reason: z.string().nullable(),
      task_id: z.string().nullable(),
      workflow_id: z.string().nullable(),
      state: z.union([z.enum(taskStateEnum.enumValues), workflowStateSchema]).nullable(),
    }),
    sql`
    select f.schedule_id,
      to_char(f.fire_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as fire_at,
      f.outcome, f.reason, f.task_id, f.workflow_id,
      case when f.task_id is not null then t.state::text
        when w.id is not null then ws.state end as state
    from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as s(id)
    cross join lateral (
      select * from schedule_fires where schedule_id = s.id::uuid
      order by fire_at desc limit ${limit}
    ) f
    left join tasks t on t.id = f.task_id
    left join workflows w on w.id = f.workflow_id
    left join lateral (
      select ${workflowStateSql("c", sql`w.paused_at`)} as state
      from ${taskStateCountsSql(sql`w.id`)} c
      where w.id is not null
    ) ws on true
    order by f.schedule_id, f.fire_at desc`,
  );
  for (const row of rows) {
    byId.get(row.schedule_id)?.push({
      fireAt: row.fire_at,
      outcome: row.outcome,
      reason: row.reason,
      taskId: row.task_id,
      workflowId: row.workflow_id,
      state: row.state,
    });
  }
  return byId;
}

/** The schedules in `rows`, in that order, with what the page shows beside each. */
export async function scheduleDetails(
  db: Executor,
  rows: readonly ScheduleRow[],
  actor: ScheduleActor,
): Promise<ScheduleDetail[]> {
  const fires = await recentFires(
    db,
    rows.map((row) => row.id),
    RECENT_FIRES,
  );
  return rows.map((row) => ({
    ...scheduleView(row),
    upcoming: upcomingFires(row),
    recentFires: fires.get(row.id) ?? [],
    canManage: canManage(row, actor),
  }));
}
