import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";

/**
 * A workflow run's state, derived from its tasks (README "Workflow runs"); nothing stores it,
 * so it can never disagree with them:
 *
 * - `running`: some task is blocked, waiting, queued or running, and the workflow is not paused;
 * - `paused`: the same, but the workflow is paused (claims skip its tasks);
 * - `failed`: every task ended, and at least one failed;
 * - `cancelled`: every task ended, none failed, at least one was cancelled;
 * - `succeeded`: every task succeeded.
 *
 * A failure outranks a cancellation: the tasks an upstream failure cancels (`upstream_failed`)
 * are its consequence, and a cancel of the rest should not hide that something failed.
 */
export const WORKFLOW_STATES = ["running", "paused", "succeeded", "failed", "cancelled"] as const;
export const workflowStateSchema = z.enum(WORKFLOW_STATES);
export type WorkflowState = z.infer<typeof workflowStateSchema>;

/** The columns `taskStateCountsSql` selects, to parse the raw rows that include them. */
export const taskStateCountsRow = z.object({
  blocked: z.number(),
  waiting: z.number(),
  queued: z.number(),
  running: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  cancelled: z.number(),
});
export type TaskStateCounts = z.output<typeof taskStateCountsRow>;

/** The definition above, for counts already in JavaScript. Must agree with `workflowStateSql`. */
export function workflowState(counts: TaskStateCounts, paused: boolean): WorkflowState {
  if (counts.blocked + counts.waiting + counts.queued + counts.running > 0)
    return paused ? "paused" : "running";
  if (counts.failed > 0) return "failed";
  if (counts.cancelled > 0) return "cancelled";
  return "succeeded";
}

/**
 * The definition above in SQL, over a row of `taskStateCountsSql` (alias `c`) and the
 * workflow's `paused_at`. Must agree with `workflowState`.
 */
export function workflowStateSql(c: string, pausedAt: SQL): SQL {
  const col = (name: string) => sql.raw(`${c}.${name}`);
  return sql`case
    when ${col("blocked")} + ${col("waiting")} + ${col("queued")} + ${col("running")} > 0
      then case when ${pausedAt} is null then 'running' else 'paused' end
    when ${col("failed")} > 0 then 'failed'
    when ${col("cancelled")} > 0 then 'cancelled'
    else 'succeeded' end`;
}

/**
 * A lateral subquery counting a workflow's tasks per state, with its first start and last
 * finish (tasks_workflow_key_idx: only the workflow's own tasks are read).
 */
export function taskStateCountsSql(workflowId: SQL): SQL {
  return sql`(
    select count(*) filter (where state = 'blocked')::int as blocked,
      count(*) filter (where state = 'waiting')::int as waiting,
      count(*) filter (where state = 'queued')::int as queued,
      count(*) filter (where state = 'running')::int as running,
      count(*) filter (where state = 'succeeded')::int as succeeded,
      count(*) filter (where state = 'failed')::int as failed,
      count(*) filter (where state = 'cancelled')::int as cancelled,
      min(started_at) as started_at, max(finished_at) as finished_at
    from tasks where workflow_id = ${workflowId}
  )`;
}
