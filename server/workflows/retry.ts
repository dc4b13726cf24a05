import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { taskStateEnum, triggerRuleEnum } from "@/db/schema/tasks";
import { isTerminal, type TaskState } from "@/lib/tasks/states";
import { DomainError, notFound } from "@/server/errors";
import { type NewEvent, notifyQueue, recordEvents } from "@/server/events/record";
import { readiedEvent, readyColumns } from "@/server/tasks/ready";
import { uuidArray } from "@/server/tasks/sql";
import { lockWorkflow, type WorkflowActor } from "./lock";
import { workflowTransaction } from "./transaction";

export interface RetryResult {
  /** Tasks put back: queued (ready now) or blocked (waiting for upstream tasks again)… */
  queued: string[];
  blocked: string[];
  /** …or waiting for their signal again (ready, with a waitFor). */
  waiting: string[];
}

type RetriedBy = "workflow" | "operator";

/**
 * Re-runs every failed task of the workflow and every task cancelled as `upstream_failed`
 * because of them (Airflow's "clear failed and downstream"). Succeeded tasks keep their state
 * and results; retried tasks start over with fresh attempts (their old attempts stay in the
 * event log). A workflow with nothing failed: an unfinished one answers with nothing retried
 * (a second click), a finished one is refused with CONFLICT.
 */
export async function retryWorkflow(
  db: Database,
  id: string,
  actor: WorkflowActor,
): Promise<RetryResult & { id: string }> {
  return workflowTransaction(db, async (tx) => {
    const workflow = await lockWorkflow(tx, id, actor, "retry");
    const failed = await queryRows(
      tx,
      "failed tasks of a workflow",
      z.object({ id: z.string() }),
      sql`select id from tasks where workflow_id = ${id} and state = 'failed'`,
    );
    if (failed.length === 0) {
      if (workflow.state === "running" || workflow.state === "paused")
        return { id, queued: [], blocked: [], waiting: [] };
      throw new DomainError(
        "CONFLICT",
        `cannot retry workflow "${workflow.name}": it ${workflow.state === "cancelled" ? "was cancelled" : "succeeded"} and no task failed`,
      );
    }
    const result = await requeueWithDependents(
      tx,
      failed.map((row) => row.id),
      "workflow",
    );
    await recordEvents(tx, [
      {
        kind: "workflow.retried",
        workflowId: id,
        data: {
          queued: result.queued.length,
          blocked: result.blocked.length,
          waiting: result.waiting.length,
          by: actor.tokenId,
        },
      },
    ]);
    return { id, ...result };
  });
}

/**
 * `tasks.retry` with `withDependents`: the task (failed, or cancelled by a request) and the
 * tasks cancelled as `upstream_failed` downstream of it. The task goes back to blocked if its
 * own upstream is unfinished; it is refused if its upstream ended badly (retry that one).
 */
export async function retryTaskWithDependents(db: Database, taskId: string): Promise<RetryResult> {
  return workflowTransaction(db, async (tx) => {
    const [task] = await queryRows(
      tx,
      "workflow of a task",
      z.object({ workflow_id: z.string().nullable() }),
      sql`select workflow_id from tasks where id = ${taskId}`,
    );
    if (!task) throw notFound(`task ${taskId}`);
    // Take turns with whole-workflow operations on the same workflow.
    if (task.workflow_id)
      await tx.execute(sql`select 1 from workflows where id = ${task.workflow_id} for update`);
    return requeueWithDependents(tx, [taskId], "operator");
  });
}

const retryMember = z.object({
  id: z.string(),
  workflow_id: z.string().nullable(),
  state: z.enum(taskStateEnum.enumValues),
  cancel_reason: z.string().nullable(),
  trigger_rule: z.enum(triggerRuleEnum.enumValues),
});
export type RetryMember = z.output<typeof retryMember>;

/**
 * The heart of both retries. Lock order (deadlock-free against completions and claims, which
 * never lock a failed or cancelled row): the retried rows, then their other upstream tasks FOR
 * SHARE. An upstream task being completed right now is waited for, so its new state is the one
 * counted; one that ends after this commits finds its dependents blocked again and counts them
 * down (or cancels them) as usual. Either way each counter is right.
 */
async function requeueWithDependents(
  tx: Executor,
  roots: readonly string[],
  retriedBy: RetriedBy,
): Promise<RetryResult> {
  const reached = await queryRows(
    tx,
    "tasks downstream of the retried",
    z.object({ id: z.string() }),
    sql`
    with recursive down(id) as (
      select unnest(${uuidArray(roots)})
      union
      select td.task_id from down
      join task_dependencies td on td.depends_on_id = down.id
      join tasks d on d.id = td.task_id
      where d.state = 'cancelled' and d.cancel_reason = 'upstream_failed'
    )
    select id from down`,
  );
  const members = await queryRows(
    tx,
    "retried tasks",
    retryMember,
    sql`
    select id, workflow_id, state, cancel_reason, trigger_rule from tasks
    where id = any(${uuidArray(reached.map((row) => row.id))})
    order by id for update`,
  );
  const edges = await queryRows(
    tx,
    "edges of retried tasks",
    z.object({ task_id: z.string(), depends_on_id: z.string() }),
    sql`
    select task_id, depends_on_id from task_dependencies
    where task_id = any(${uuidArray(members.map((row) => row.id))})`,
  );
  const inside = new Set(members.map((row) => row.id));
  const outside = [...new Set(edges.map((e) => e.depends_on_id))].filter((id) => !inside.has(id));
  const upstreamState = new Map<string, TaskState>();
  if (outside.length > 0) {
    const rows = await queryRows(
      tx,
      "upstream states",
      z.object({ id: z.string(), state: z.enum(taskStateEnum.enumValues) }),
      sql`
      select id, state from tasks where id = any(${uuidArray(outside)}) order by id for share`,
    );
    for (const row of rows) upstreamState.set(row.id, row.state);
  }

  const rootSet = new Set(roots);
  const plan = planRetry(members, edges, upstreamState, rootSet);
  // A workflow's failed task that a concurrent retry took already is simply left out.
  if (retriedBy === "operator") {
    for (const root of roots) if (!plan.has(root)) throw refusal(root, members);
  }
  if (plan.size === 0) return { queued: [], blocked: [], waiting: [] };

  const values = JSON.stringify([...plan].map(([id, pending]) => ({ id, pending })));
  const ready = readyColumns(sql`t.wait_signal`, sql`t.wait_timeout_s`);
  const updated = await queryRows(
    tx,
    "requeue retried tasks",
    z.object({
      id: z.string(),
      workflow_id: z.string().nullable(),
      state: z.enum(taskStateEnum.enumValues),
      from_state: z.enum(taskStateEnum.enumValues),
      wait_signal: z.string().nullable(),
      wait_deadline: z.string().nullable(),
    }),
    sql`
    with before as (select id, state from tasks where id = any(${uuidArray([...plan.keys()])}))
    update tasks t set
      state = case when v.pending > 0 then 'blocked'::task_state else ${ready.state} end,
      pending_deps = v.pending, attempts = 0, run_at = now(),
      queued_at = case when v.pending > 0 then null else ${ready.queuedAt} end,
      waiting_since = case when v.pending > 0 then null else ${ready.waitingSince} end,
      wait_deadline = case when v.pending > 0 then null else ${ready.waitDeadline} end,
      agent_id = null, error = null, result = null, cancel_reason = null, started_at = null,
      finished_at = null, lease_expires_at = null, progress = null, progress_step = null,
      progress_message = null, updated_at = now()
    from jsonb_to_recordset(${values}::jsonb) as v(id uuid, pending int), before
    where t.id = v.id and before.id = v.id
    returning t.id, t.workflow_id, t.state, before.state as from_state, t.wait_signal,
      t.wait_deadline`,
  );
  const events: NewEvent[] = updated.map((row) =>
    row.state === "blocked"
      ? {
          kind: "task.blocked",
          taskId: row.id,
          workflowId: row.workflow_id,
          fromState: row.from_state,
          toState: row.state,
          data: { retriedBy },
        }
      : readiedEvent(row, row.from_state, { retriedBy }),
  );
  await recordEvents(tx, events);
  const queued = updated.filter((row) => row.state === "queued").map((row) => row.id);
  if (queued.length > 0) await notifyQueue(tx);
  return {
    queued,
    blocked: updated.filter((row) => row.state === "blocked").map((row) => row.id),
    waiting: updated.filter((row) => row.state === "waiting").map((row) => row.id),
  };
}

/**
 * Which of the locked rows go back, each with its new `pending_deps`. A member must still be
 * failed or cancelled (a concurrent retry may have taken it); a non-root member only if it was
 * cancelled as `upstream_failed`. An `all_success` member with an upstream outside the retry
 * that failed or was cancelled could never run: it stays as it is, and so, in turn, may its
 * dependents. Its counter: every upstream that is unfinished or retried with it.
 */
export function planRetry(
  members: readonly RetryMember[],
  edges: readonly { task_id: string; depends_on_id: string }[],
  outsideState: ReadonlyMap<string, TaskState>,
  roots: ReadonlySet<string>,
): Map<string, number> {
  const upstreamOf = new Map<string, string[]>();
  for (const edge of edges) {
    const list = upstreamOf.get(edge.task_id) ?? [];
    list.push(edge.depends_on_id);
    upstreamOf.set(edge.task_id, list);
  }
  const state = new Map(outsideState);
  for (const member of members) state.set(member.id, member.state);
  const kept = new Set(
    members
      .filter((m) =>
        roots.has(m.id)
          ? m.state === "failed" ||
            (m.state === "cancelled" && m.cancel_reason !== "upstream_failed")
          : m.state === "cancelled" && m.cancel_reason === "upstream_failed",
      )
      .map((m) => m.id),
  );
  const rule = new Map(members.map((m) => [m.id, m.trigger_rule]));
  const endedBadly = (id: string) =>
    !kept.has(id) && (state.get(id) === "failed" || state.get(id) === "cancelled");
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of kept) {
      const dead = rule.get(id) === "all_success" && (upstreamOf.get(id) ?? []).some(endedBadly);
      if (dead) {
        kept.delete(id);
        changed = true;
      }
    }
  }
  const plan = new Map<string, number>();
  for (const id of kept) {
    const pending = (upstreamOf.get(id) ?? []).filter((up) => {
      const upState = state.get(up);
      return kept.has(up) || (upState !== undefined && !isTerminal(upState));
    }).length;
    plan.set(id, pending);
  }
  return plan;
}

function refusal(taskId: string, members: readonly RetryMember[]): DomainError {
  const member = members.find((m) => m.id === taskId);
  if (!member) return notFound(`task ${taskId}`);
  if (member.cancel_reason === "upstream_failed")
    return new DomainError(
      "CONFLICT",
      "cannot retry a task that is cancelled because an upstream task failed: retry that one",
    );
  if (member.state === "failed" || member.state === "cancelled")
    return new DomainError(
      "CONFLICT",
      "cannot retry a task whose upstream task failed or was cancelled: retry that one",
    );
  return new DomainError("CONFLICT", `cannot retry a task that is ${member.state}`);
}
