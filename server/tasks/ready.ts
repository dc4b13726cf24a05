import { type SQL, sql } from "drizzle-orm";
import type { NewEvent } from "@/server/events/record";

/**
 * What a task becomes once nothing holds it back (dependencies done, or none): `queued` for an
 * agent to claim, or `waiting` when it has a `waitFor` (docs/architecture.md "Task states"). Every
 * path that readies a task (submit, release, retry, schedule fires) builds its columns here, so
 * none of them can queue a task that should wait.
 *
 * `signal` and `timeoutS` are the task's wait_signal and wait_timeout_s as SQL (a column, or a
 * field of an inserted record).
 */
export function readyColumns(signal: SQL, timeoutS: SQL) {
  return {
    state: sql`case when ${signal} is null then 'queued'::task_state else 'waiting'::task_state end`,
    queuedAt: sql`case when ${signal} is null then now() end`,
    waitingSince: sql`case when ${signal} is not null then now() end`,
    waitDeadline: sql`case when ${signal} is not null then now() + ${timeoutS} * interval '1 second' end`,
  };
}

/** SET clause readying the task aliased `t` (an UPDATE … tasks t). */
export function readySet(): SQL {
  const ready = readyColumns(sql`t.wait_signal`, sql`t.wait_timeout_s`);
  return sql`state = ${ready.state},
    queued_at = coalesce(${ready.queuedAt}, t.queued_at),
    waiting_since = ${ready.waitingSince},
    wait_deadline = ${ready.waitDeadline}`;
}

/** The event of a task that became ready: `task.queued`, or `task.waiting` naming its signal. */
export function readiedEvent(
  row: {
    id: string;
    workflow_id: string | null;
    state: string;
    wait_signal?: string | null;
    wait_deadline?: string | Date | null;
  },
  fromState: NewEvent["fromState"],
  data: Record<string, unknown> = {},
): NewEvent {
  if (row.state === "waiting") {
    return {
      kind: "task.waiting",
      taskId: row.id,
      workflowId: row.workflow_id,
      fromState,
      toState: "waiting",
      data: { ...data, signal: row.wait_signal ?? null, timeoutAt: isoOrNull(row.wait_deadline) },
    };
  }
  return {
    kind: "task.queued",
    taskId: row.id,
    workflowId: row.workflow_id,
    fromState,
    toState: "queued",
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

function isoOrNull(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}
