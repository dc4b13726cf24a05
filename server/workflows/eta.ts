import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { mapRows, queryRows } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import type { TaskState } from "@/lib/tasks/states";
import { textArray, uuidArray } from "@/server/tasks/sql";

/** Run time assumed for a task when neither its type nor its workflow has finished any. */
export const DEFAULT_RUN_S = 60;
/** "The recent past" the per-type figures come from, and at most how many tasks they read. */
const RECENT = { hours: 24, tasks: 5000 } as const;

export interface EtaTask {
  id: string;
  type: string;
  state: TaskState;
  /** Epoch milliseconds (of the current attempt), or null. */
  startedAt: number | null;
  /** When it last became queued, epoch milliseconds, or null. */
  queuedAt: number | null;
  finishedAt: number | null;
  dependsOn: readonly string[];
}

/** Medians observed for one task type: run time, and wait from queued to claimed. */
export interface TypeTimes {
  runS: number;
  waitS: number;
}

export interface EtaInputs {
  now: number;
  tasks: readonly EtaTask[];
  byType: ReadonlyMap<string, TypeTimes>;
  defaultRunS?: number;
}

export interface Eta {
  /** Epoch milliseconds. */
  finishAt: number;
  remainingS: number;
}

/**
 * When the workflow should finish: the longest remaining path through its unfinished tasks.
 * Each task takes the median run time of its type (else the median of the workflow's own
 * succeeded tasks, else DEFAULT_RUN_S) after waiting in the queue for the median wait of its
 * type. A running task finishes at start + estimate (not before now); a queued one after the
 * rest of its wait; a blocked one once its last unfinished upstream is estimated to finish.
 * Null when nothing is left to run.
 */
export function estimateWorkflowEta(inputs: EtaInputs): Eta | null {
  const { now, tasks, byType } = inputs;
  const ownDurations = tasks.flatMap((task) =>
    task.state === "succeeded" && task.startedAt !== null && task.finishedAt !== null
      ? [(task.finishedAt - task.startedAt) / 1000]
      : [],
  );
  const fallbackRunS = median(ownDurations) ?? inputs.defaultRunS ?? DEFAULT_RUN_S;
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const finish = new Map<string, number>();

  const finishOf = (task: EtaTask, path: Set<string>): number => {
    const known = finish.get(task.id);
    if (known !== undefined) return known;
    const times = byType.get(task.type);
    const runMs = (times?.runS ?? fallbackRunS) * 1000;
    const waitMs = (times?.waitS ?? 0) * 1000;
    let at: number;
    if (task.state === "running") {
      at = Math.max(now, (task.startedAt ?? now) + runMs);
    } else if (task.state === "queued") {
      const waited = task.queuedAt === null ? 0 : Math.max(0, now - task.queuedAt);
      at = now + Math.max(0, waitMs - waited) + runMs;
    } else if (task.state === "blocked") {
      path.add(task.id);
      let ready = now;
      for (const upId of task.dependsOn) {
        const up = byId.get(upId);
        // An upstream outside the workflow, or a cycle (none is accepted), adds nothing.
        if (!up || path.has(upId)) continue;
        ready = Math.max(ready, finishOf(up, path));
      }
      path.delete(task.id);
      at = ready + waitMs + runMs;
    } else {
      at = now;
    }
    finish.set(task.id, at);
    return at;
  };

  let last: number | null = null;
  for (const task of tasks) {
    if (task.state !== "blocked" && task.state !== "queued" && task.state !== "running") continue;
    const at = finishOf(task, new Set());
    last = last === null ? at : Math.max(last, at);
  }
  if (last === null) return null;
  return { finishAt: last, remainingS: Math.max(0, Math.round((last - now) / 1000)) };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The ETA of each of these workflows, from three reads: their tasks, their edges, and the
 * medians per task type over the most recent succeeded tasks (tasks_finished_idx, newest
 * first, at most RECENT.tasks rows: the cost does not grow with the history).
 */
export async function workflowEtas(
  db: Executor,
  workflowIds: readonly string[],
): Promise<Map<string, Eta | null>> {
  const result = new Map<string, Eta | null>();
  if (workflowIds.length === 0) return result;
  const ids = uuidArray(workflowIds);
  const [tasks, edges, [clock]] = await Promise.all([
    // Mapped, not parsed with zod: every task of every listed run is read.
    mapRows(
      db,
      "eta tasks",
      (row, c) => ({
        id: c.string(row, "id"),
        workflow_id: c.string(row, "workflow_id"),
        type: c.string(row, "type"),
        state: c.member(row, "state", taskStateEnum.enumValues),
        started_ms: c.nullableNumber(row, "started_ms"),
        queued_ms: c.nullableNumber(row, "queued_ms"),
        finished_ms: c.nullableNumber(row, "finished_ms"),
      }),
      sql`
      select id, workflow_id, type, state,
        (extract(epoch from started_at) * 1000)::float8 as started_ms,
        (extract(epoch from queued_at) * 1000)::float8 as queued_ms,
        (extract(epoch from finished_at) * 1000)::float8 as finished_ms
      from tasks where workflow_id = any(${ids})`,
    ),
    mapRows(
      db,
      "eta edges",
      (row, c) => ({
        task_id: c.string(row, "task_id"),
        depends_on_id: c.string(row, "depends_on_id"),
      }),
      sql`
      select td.task_id, td.depends_on_id from task_dependencies td
      join tasks t on t.id = td.task_id where t.workflow_id = any(${ids})`,
    ),
    queryRows(
      db,
      "eta clock",
      z.object({ now_ms: z.number() }),
      sql`select (extract(epoch from now()) * 1000)::float8 as now_ms`,
    ),
  ]);
  const types = [...new Set(tasks.map((task) => task.type))];
  const byType = await typeTimes(db, types);
  const dependsOn = new Map<string, string[]>();
  for (const edge of edges) {
    const list = dependsOn.get(edge.task_id) ?? [];
    list.push(edge.depends_on_id);
    dependsOn.set(edge.task_id, list);
  }
  const byWorkflow = new Map<string, EtaTask[]>(workflowIds.map((id) => [id, []]));
  for (const row of tasks) {
    byWorkflow.get(row.workflow_id)?.push({
      id: row.id,
      type: row.type,
      state: row.state,
      startedAt: row.started_ms,
      queuedAt: row.queued_ms,
      finishedAt: row.finished_ms,
      dependsOn: dependsOn.get(row.id) ?? [],
    });
  }
  // The database's clock, as the task times: the server's may be skewed.
  const now = clock?.now_ms ?? Date.now();
  for (const [id, members] of byWorkflow)
    result.set(id, estimateWorkflowEta({ now, tasks: members, byType }));
  return result;
}

/** Median run time and queue wait per type, over the recent past. */
export async function typeTimes(
  db: Executor,
  types: readonly string[],
): Promise<Map<string, TypeTimes>> {
  if (types.length === 0) return new Map();
  const rows = await queryRows(
    db,
    "recent times per type",
    z.object({ type: z.string(), run_s: z.number(), wait_s: z.number().nullable() }),
    sql`
    select type,
      percentile_cont(0.5) within group (order by run_s) as run_s,
      percentile_cont(0.5) within group (order by wait_s) as wait_s
    from (
      select type,
        extract(epoch from finished_at - started_at)::float8 as run_s,
        -- A retry's queued_at is set when its backoff starts: its wait begins at run_at.
        greatest(extract(epoch from started_at - greatest(queued_at, run_at)), 0)::float8 as wait_s
      from tasks
      where finished_at > now() - make_interval(hours => ${RECENT.hours})
        and state = 'succeeded' and started_at is not null
        and type = any(${textArray(types)})
      order by finished_at desc
      limit ${RECENT.tasks}
    ) recent
    group by type`,
  );
  return new Map(
    rows.map((row) => [row.type, { runS: Number(row.run_s), waitS: Number(row.wait_s ?? 0) }]),
  );
}
