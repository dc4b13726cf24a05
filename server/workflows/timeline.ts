import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
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
type TaskRow = {
  id: string | null;
  key: string | null;
  name: string;
  type: string;
  state: TaskState;
  agent_name: string | null;
  created_at: string;
  wait_signal: string | null;
  waiting_since: string | null;
  now: string;
};

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
  const tasks = await db.execute<TaskRow>(sql`
    select t.id, t.key, t.name, t.type, t.state, a.name as agent_name,
      ${utc(sql`t.created_at`)} as created_at, t.wait_signal,
      ${utc(sql`t.waiting_since`)} as waiting_since, ${utc(sql`now()`)} as now
    from workflows w
    left join tasks t on t.workflow_id = w.id
    left join agents a on a.id = t.agent_id
    where w.id = ${id}
    order by t.created_at, t.key`);
  const first = tasks[0];
  if (!first) throw notFound(`workflow ${id}`);
  // Progress events can outnumber the rest a hundredfold: only the transitions are read.
  const events = await db.execute<EventRow>(sql`
    select e.task_id, e.kind, e.from_state, e.to_state, e.agent_id,
      (e.data->>'leaseEpoch')::int as epoch, ${utc(sql`e.created_at`)} as at
    from tasks t
    join task_events e on e.task_id = t.id
    where t.workflow_id = ${id} and e.kind in ('task.submitted', 'task.queued', 'task.started',
      'task.succeeded', 'task.failed', 'task.retrying', 'task.cancelled')
    order by e.task_id, e.id`);
  const byTask = new Map<string, EventRow[]>();
  for (const event of events) {
    const list = byTask.get(event.task_id);
    if (list) list.push(event);
    else byTask.set(event.task_id, [event]);
  }
  return {
    now: first.now,
    tasks: tasks.flatMap((row) => {
      if (row.id === null) return [];
      const { attempts, queuedAt } = attemptsOf(byTask.get(row.id) ?? []);
      return [
        {
          id: row.id,
          key: row.key,
          name: row.name,
          type: row.type,
          state: row.state,
          agentName: row.agent_name,
          createdAt: row.created_at,
          queuedAt:
            row.state === "queued" ? queuedAt : row.state === "waiting" ? row.waiting_since : null,
          waitSignal: row.state === "waiting" ? row.wait_signal : null,
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
