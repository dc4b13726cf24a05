import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { mapRows } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import type { TaskState } from "@/lib/tasks/states";
import { notFound } from "@/server/errors";

/** How an attempt ended: `retried` is a failure that put the task back in the queue. */
export type AttemptOutcome = "running" | "succeeded" | "failed" | "retried" | "cancelled";

export interface TimelineAttempt {
  /** The lease epoch of the claim that began it. */
  epoch: number;
  /** When the task last became queued before this claim (ISO 8601); null if never seen. */
  queuedAt: string | null;
  claimedAt: string;
  /** Null while it runs. */
  endedAt: string | null;
  outcome: AttemptOutcome;
  agentId: string | null;
}

export interface TimelineTask {
  id: string;
  key: string | null;
  name: string;
  type: string;
  state: TaskState;
  agentName: string | null;
  createdAt: string;
  /** Queued now and never claimed since, or waiting for a signal: when that wait began. */
  queuedAt: string | null;
  /** Waiting now: the signal it waits for (its open wait is that wait, not a queue's). */
  waitSignal: string | null;
  attempts: TimelineAttempt[];
}

export interface WorkflowTimeline {
  /** The server's clock when read, so the browser's "now" line starts from the same time. */
  now: string;
  tasks: TimelineTask[];
}

/** A workflow without tasks still gives one row (the left join), with a null id. */
export type TimelineEvent = Omit<EventRow, "task_id">;

type EventRow = {
  task_id: string;
  kind: string;
  from_state: TaskState | null;
  to_state: TaskState | null;
  agent_id: string | null;
  epoch: number | null;
  at: string;
};

const ENDINGS: Record<string, AttemptOutcome> = {
  "task.succeeded": "succeeded",
  "task.failed": "failed",
  "task.retrying": "retried",
  "task.cancelled": "cancelled",
};

/**
 * Every task of the workflow with its attempts, rebuilt from the event log: a `task.started`
 * opens an attempt, the next event leaving `running` closes it. Two statements whatever the
 * size of the run (the events are read through task_events_task_idx, one range per task).
 * NOT_FOUND for an unknown workflow.
 */
export async function workflowTimeline(db: Executor, id: string): Promise<WorkflowTimeline> {
  // Mapped, not parsed with zod: a run of thousands of tasks and their events is read whole.
  const tasks = await mapRows(
    db,
    "workflow timeline tasks",
    (row, c) => ({
      now: c.string(row, "now"),
      // The left join gives a workflow without tasks one row of nulls.
      task:
        row.id === null
          ? null
          : {
              id: c.string(row, "id"),
              key: c.nullableString(row, "key"),
              name: c.string(row, "name"),
              type: c.string(row, "type"),
              state: c.member(row, "state", taskStateEnum.enumValues),
              agentName: c.nullableString(row, "agent_name"),
              createdAt: c.string(row, "created_at"),
              waitSignal: c.nullableString(row, "wait_signal"),
              waitingSince: c.nullableString(row, "waiting_since"),
            },
    }),
    sql`
    select t.id, t.key, t.name, t.type, t.state, a.name as agent_name,
      ${utc(sql`t.created_at`)} as created_at, t.wait_signal,
      ${utc(sql`t.waiting_since`)} as waiting_since, ${utc(sql`now()`)} as now
    from workflows w
    left join tasks t on t.workflow_id = w.id
    left join agents a on a.id = t.agent_id
    where w.id = ${id}
    order by t.created_at, t.key`,
  );
  const first = tasks[0];
  if (!first) throw notFound(`workflow ${id}`);
  // Progress events can outnumber the rest a hundredfold: only the transitions are read.
  const events = await mapRows(
    db,
    "workflow timeline events",
    (row, c): EventRow => ({
      task_id: c.string(row, "task_id"),
      kind: c.string(row, "kind"),
      from_state: c.nullableMember(row, "from_state", taskStateEnum.enumValues),
      to_state: c.nullableMember(row, "to_state", taskStateEnum.enumValues),
      agent_id: c.nullableString(row, "agent_id"),
      epoch: c.nullableNumber(row, "epoch"),
      at: c.string(row, "at"),
    }),
    sql`
    select e.task_id, e.kind, e.from_state, e.to_state, e.agent_id,
      (e.data->>'leaseEpoch')::int as epoch, ${utc(sql`e.created_at`)} as at
    from tasks t
    join task_events e on e.task_id = t.id
    where t.workflow_id = ${id} and e.kind in ('task.submitted', 'task.queued', 'task.started',
      'task.succeeded', 'task.failed', 'task.retrying', 'task.cancelled')
    order by e.task_id, e.id`,
  );
  const byTask = new Map<string, EventRow[]>();
  for (const event of events) {
    const list = byTask.get(event.task_id);
    if (list) list.push(event);
    else byTask.set(event.task_id, [event]);
  }
  return {
    now: first.now,
    tasks: tasks.flatMap(({ task }) => {
      if (task === null) return [];
      const { attempts, queuedAt } = attemptsOf(byTask.get(task.id) ?? []);
      const { waitingSince, waitSignal, ...shown } = task;
      return [
        {
          ...shown,
          queuedAt:
            task.state === "queued" ? queuedAt : task.state === "waiting" ? waitingSince : null,
          waitSignal: task.state === "waiting" ? waitSignal : null,
          attempts,
        },
      ];
    }),
  };
}

/** One task's events, oldest first, as attempts; `queuedAt` is the wait still open at the end. */
export function attemptsOf(events: readonly TimelineEvent[]): {
  attempts: TimelineAttempt[];
  queuedAt: string | null;
} {
  const attempts: TimelineAttempt[] = [];
  let queuedAt: string | null = null;
  let open: TimelineAttempt | null = null;
  for (const event of events) {
    if (event.kind === "task.started") {
      open = {
        epoch: event.epoch ?? attempts.length + 1,
        queuedAt,
        claimedAt: event.at,
        endedAt: null,
        outcome: "running",
        agentId: event.agent_id,
      };
      attempts.push(open);
      queuedAt = null;
      continue;
    }
    const outcome = ENDINGS[event.kind];
    if (open && outcome && event.from_state === "running") {
      open.endedAt = event.at;
      open.outcome = outcome;
      open = null;
    }
    if (event.to_state === "queued") queuedAt = event.at;
    else if (event.to_state !== null && event.to_state !== "running") queuedAt = null;
  }
  return { attempts, queuedAt };
}

/** ISO 8601 in UTC to the millisecond, whatever the session's TimeZone. */
function utc(column: SQL) {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
