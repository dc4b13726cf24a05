import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Transaction } from "@/db/client";
import { queryRows } from "@/db/rows";
import { uuidArray } from "./sql";

export interface PruneTasksParams {
  tasksDays: number;
  /** Most tasks deleted per transaction. */
  batch: number;
  maxBatches: number;
}

export interface PruneTasksReport {
  tasks: number;
  workflows: number;
  /** maxBatches reached: more old rows may remain. */
  more: boolean;
}

const TERMINAL = sql.raw("('succeeded', 'failed', 'cancelled')");
/** Workflow runs looked at per batch; their tasks, not their number, bound the batch's size. */
const RUNS_PER_BATCH = 100;

/**
 * Deletes finished history older than `tasksDays`: whole workflow runs whose tasks all ended
 * before the cutoff (created before it too), then tasks outside runs that ended before it —
 * each with its task_dependencies (cascade), its events and its log. Never a task a live task
 * depends on (a later `tasks.submit` may depend on any task), never a subtask whose parent
 * still runs, never a task of a run with a task still unfinished or recently finished.
 *
 * Each batch is its own short transaction over rows locked FOR UPDATE SKIP LOCKED: a row a
 * claim, completion or submission holds is left for the next run, and pruning never waits on
 * the hot path (nor it on pruning, beyond the rows pruned: finished ones, which it does not
 * touch). Allocations stay with their own retention (`samples_days`): they are the usage
 * charts' samples, read without their tasks.
 */
export async function pruneFinishedTasks(
  db: Database,
  params: PruneTasksParams,
): Promise<PruneTasksReport> {
  const cutoff = sql`now() - ${params.tasksDays}::float8 * interval '1 day'`;
  let tasks = 0;
  let workflows = 0;
  let runsMore = true;
  let batches = 0;
  while (runsMore && batches < params.maxBatches) {
    batches++;
    const deleted = await db.transaction((tx) => deleteRunBatch(tx, cutoff, params.batch));
    tasks += deleted.tasks;
    workflows += deleted.workflows;
    runsMore = deleted.workflows === RUNS_PER_BATCH || deleted.capped;
  }
  let standaloneMore = true;
  while (standaloneMore && batches < params.maxBatches) {
    batches++;
    const deleted = await db.transaction((tx) => deleteStandaloneBatch(tx, cutoff, params.batch));
    tasks += deleted;
    standaloneMore = deleted === params.batch;
  }
  return { tasks, workflows, more: runsMore || standaloneMore };
}

/** A live task (not in a terminal state) depends on task `alias`. */
const liveDependent = (alias: string) => sql`exists (
  select 1 from task_dependencies d join tasks c on c.id = d.task_id
  where d.depends_on_id = ${sql.raw(alias)}.id and c.state not in ${TERMINAL})`;

/**
 * Up to RUNS_PER_BATCH finished runs, oldest first, cut where their tasks would pass `batch`
 * (at least one run: a run goes whole or not at all, so its page never shows half of it).
 */
async function deleteRunBatch(
  tx: Transaction,
  cutoff: SQL,
  batch: number,
): Promise<{ tasks: number; workflows: number; capped: boolean }> {
  const runs = await queryRows(
    tx,
    "finished runs past retention",
    z.object({ id: z.string(), tasks: z.number() }),
    sql`
    select w.id, (select count(*) from tasks t where t.workflow_id = w.id)::int as tasks
    from workflows w
    where w.created_at < ${cutoff}
      and not exists (select 1 from tasks t where t.workflow_id = w.id
        and (t.state not in ${TERMINAL} or t.finished_at >= ${cutoff}))
      and not exists (select 1 from tasks t where t.workflow_id = w.id and ${liveDependent("t")})
    order by w.created_at
    limit ${RUNS_PER_BATCH}
    for update of w skip locked`,
  );
  const taken: string[] = [];
  let taskCount = 0;
  for (const run of runs) {
    if (taken.length > 0 && taskCount + run.tasks > batch) break;
    taken.push(run.id);
    taskCount += run.tasks;
  }
  if (taken.length === 0) return { tasks: 0, workflows: 0, capped: false };
  const ids = uuidArray(taken);
  // The tasks locked the same way: one that a submission is making a new task depend on (its
  // foreign key check holds the row), or a retry is requeuing, keeps the batch for a later run.
  const locked = await queryRows(
    tx,
    "lock finished runs' tasks",
    z.object({ id: z.string() }),
    sql`select id from tasks where workflow_id = any(${ids}) for update skip locked`,
  );
  if (locked.length < taskCount) return { tasks: 0, workflows: 0, capped: false };
  const taskIds = uuidArray(locked.map((row) => row.id));
  // The run's own events (workflow.submitted …, no task) stay until events_days: task_events
  // has no index on workflow_id, and one would cost every event insert a write.
  await deleteTaskSideRows(tx, taskIds);
  // Cascades to the tasks and their dependency edges.
  const deleted = await tx.execute(sql`delete from workflows where id = any(${ids})`);
  return { tasks: taskCount, workflows: deleted.count, capped: taken.length < runs.length };
}

/** Tasks outside runs (single submissions, subtasks, scheduled tasks) that ended long ago. */
async function deleteStandaloneBatch(tx: Transaction, cutoff: SQL, batch: number) {
  const rows = await queryRows(
    tx,
    "finished tasks past retention",
    z.object({ id: z.string() }),
    sql`
    select t.id from tasks t
    where t.finished_at < ${cutoff} and t.state in ${TERMINAL} and t.workflow_id is null
      and not ${liveDependent("t")}
      and not exists (select 1 from tasks p
        where p.id = t.parent_task_id and p.state not in ${TERMINAL})
    order by t.finished_at
    limit ${batch}
    for update of t skip locked`,
  );
  if (rows.length === 0) return 0;
  const ids = uuidArray(rows.map((row) => row.id));
  await deleteTaskSideRows(tx, ids);
  const deleted = await tx.execute(sql`delete from tasks where id = any(${ids})`);
  return deleted.count;
}

/** What refers to a task without a foreign key: its events and its log. */
async function deleteTaskSideRows(tx: Transaction, ids: SQL): Promise<void> {
  await tx.execute(sql`delete from task_events where task_id = any(${ids})`);
  await tx.execute(sql`delete from task_logs where task_id = any(${ids})`);
  await tx.execute(sql`delete from task_log_state where task_id = any(${ids})`);
}
