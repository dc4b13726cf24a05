import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { notFound } from "@/server/errors";
import { workflowEtas } from "./eta";
import {
  type TaskStateCounts,
  taskStateCountsRow,
  taskStateCountsSql,
  type WorkflowState,
  workflowStateSchema,
  workflowStateSql,
} from "./state";

export interface WorkflowSummary {
  id: string;
  name: string;
  state: WorkflowState;
  /** Tasks per state. */
  counts: TaskStateCounts;
  /** Tasks that ended (succeeded, failed or cancelled), of `total`. */
  done: number;
  total: number;
  submitter: { id: string; name: string } | null;
  /** ISO 8601 (the times below too). */
  createdAt: string;
  /** The earliest start among its tasks' current attempts; null before any started. */
  startedAt: string | null;
  /** When its last task ended; null while any is unfinished. */
  finishedAt: string | null;
  /** Seconds from startedAt to finishedAt (or now, while unfinished). */
  durationS: number | null;
  pausedAt: string | null;
  /** Running workflows only: when the remaining critical path should end (eta.ts). */
  eta: { finishAt: string; remainingS: number } | null;
}

/** A row of `runsSql`. */
export const runRow = taskStateCountsRow.extend({
  id: z.string(),
  name: z.string(),
  state: workflowStateSchema,
  submitter_id: z.string().nullable(),
  submitter_name: z.string().nullable(),
  created_at: z.string(),
  cursor_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_s: z.number().nullable(),
  paused_at: z.string().nullable(),
});
export type RunRow = z.output<typeof runRow>;

/** A run's page header: its list row plus the submitter's metadata (not in list rows). */
export type WorkflowRun = WorkflowSummary & { metadata: Record<string, unknown> };

/** One run's row, as the runs list shows it, with its metadata. NOT_FOUND for an unknown id. */
export async function getWorkflowRun(db: Executor, id: string): Promise<WorkflowRun> {
  const [row] = await selectRuns(db, sql`w.id = ${id}`, null, sql``, 1);
  if (!row) throw notFound(`workflow ${id}`);
  const [[run], [meta]] = await Promise.all([
    summarize(db, [row]),
    queryRows(
      db,
      "workflow metadata",
      z.object({ metadata: z.record(z.string(), z.unknown()) }),
      sql`select metadata from workflows where id = ${id}`,
    ),
  ]);
  if (!run) throw notFound(`workflow ${id}`);
  return { ...run, metadata: meta?.metadata ?? {} };
}

/**
 * Workflows matching `where` (over `w`, the workflow alone) and then `runWhere` (over `s.state`,
 * derived from the tasks), with their counts, times and state, in `orderBy`, at most `limit`.
 * Each row's own tasks are counted (tasks_workflow_key_idx), so the cost follows the rows read,
 * not the history. `cursor_at` is created_at to the microsecond, for keyset pages.
 */
export function selectRuns(
  db: Executor,
  where: SQL,
  runWhere: SQL | null,
  orderBy: SQL,
  limit: number,
) {
  return queryRows(db, "workflow runs", runRow, runsSql(where, runWhere, orderBy, limit));
}

/**
 * The statement `selectRuns` executes. Without `runWhere`, the limit applies to the workflows
 * before any task is counted: the planner prices the per-run counts far too cheaply, and with
 * the limit outside it would count the whole history's tasks to sort and keep a page (its
 * plan is checked in list-plan.test.ts).
 */
export function runsSql(where: SQL, runWhere: SQL | null, orderBy: SQL, limit: number): SQL {
  return sql`
    select w.id, w.name, s.state, w.created_by as submitter_id, tok.name as submitter_name,
      ${utc(sql`w.created_at`)} as created_at,
      to_char(w.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
      ${utc(sql`c.started_at`)} as started_at,
      ${utc(sql`f.finished_at`)} as finished_at,
      extract(epoch from coalesce(f.finished_at, now()) - c.started_at)::float8 as duration_s,
      ${utc(sql`w.paused_at`)} as paused_at,
      c.blocked, c.waiting, c.queued, c.running, c.succeeded, c.failed, c.cancelled
    from (
      select w.id, w.name, w.created_by, w.created_at, w.paused_at from workflows w
      where ${where}
      ${orderBy}
      ${runWhere === null ? sql`limit ${limit}` : sql``}
    ) w
    left join api_tokens tok on tok.id = w.created_by
    cross join lateral ${taskStateCountsSql(sql`w.id`)} c
    cross join lateral (select ${workflowStateSql("c", sql`w.paused_at`)} as state) s
    cross join lateral (
      select case when c.blocked + c.waiting + c.queued + c.running = 0 then c.finished_at end as finished_at
    ) f
    where ${runWhere ?? sql`true`}
    ${orderBy}
    limit ${limit}`;
}

/** The rows as the API shows them, with the ETA of those running. */
export async function summarize(db: Executor, rows: readonly RunRow[]): Promise<WorkflowSummary[]> {
  const etas = await workflowEtas(
    db,
    rows.filter((row) => row.state === "running").map((row) => row.id),
  );
  return rows.map((row): WorkflowSummary => {
    const counts = {
      blocked: row.blocked,
      waiting: row.waiting,
      queued: row.queued,
      running: row.running,
      succeeded: row.succeeded,
      failed: row.failed,
      cancelled: row.cancelled,
    };
    const eta = etas.get(row.id);
    return {
      id: row.id,
      name: row.name,
      state: row.state,
      counts,
      done: counts.succeeded + counts.failed + counts.cancelled,
      total: Object.values(counts).reduce((sum, n) => sum + n, 0),
      submitter:
        row.submitter_id && row.submitter_name
          ? { id: row.submitter_id, name: row.submitter_name }
          : null,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      durationS: row.duration_s === null ? null : Math.round(row.duration_s),
      pausedAt: row.paused_at,
      eta: eta
        ? { finishAt: new Date(eta.finishAt).toISOString(), remainingS: eta.remainingS }
        : null,
    };
  });
}

/** ISO 8601 in UTC to the millisecond, whatever the session's TimeZone. */
function utc(column: SQL): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
