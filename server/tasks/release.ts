import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { mapRows } from "@/db/rows";
import type { NewEvent } from "@/server/events/record";
import { readiedEvent, readyColumns } from "./ready";
import { uuidArray } from "./sql";

export interface UpstreamEnded {
  /** Tasks that just succeeded. */
  succeeded: readonly string[];
  /** Tasks that just failed for good or were cancelled. */
  endedBadly: readonly string[];
}

export interface ReleaseResult {
  events: NewEvent[];
  /** Whether some task became queued (claimers should be woken); not for one now waiting. */
  queued: boolean;
}

/**
 * Moves dependents on after upstream tasks ended, in the ending transaction (docs/architecture.md
 * "Timing": a counter per task, no scan). A success counts down every blocked dependent; a bad
 * end cancels `all_success` dependents (reason upstream_failed) and cascades from them, and
 * counts down `all_done` ones. A dependent reaching zero becomes queued.
 *
 * Row locks make concurrent releases of one dependent safe: the second UPDATE waits, then
 * re-reads the row and subtracts from the value the first one wrote.
 */
export async function releaseDependents(
  tx: Executor,
  ended: UpstreamEnded,
): Promise<ReleaseResult> {
  const events: NewEvent[] = [];
  let queued = false;
  let succeeded = [...ended.succeeded];
  let endedBadly = [...ended.endedBadly];
  while (succeeded.length > 0 || endedBadly.length > 0) {
    // Cancel first: a dependent of both a success and a failure must not be queued by the former.
    const cancelled =
      endedBadly.length === 0
        ? []
        : await mapRows(
            tx,
            "cancel dependents of failed tasks",
            (row, c) => ({
              id: c.string(row, "id"),
              workflow_id: c.nullableString(row, "workflow_id"),
            }),
            sql`
            update tasks set state = 'cancelled', cancel_reason = 'upstream_failed',
              finished_at = now(), updated_at = now()
            where state = 'blocked' and trigger_rule = 'all_success'
              and id in (select task_id from task_dependencies where depends_on_id = any(${uuidArray(endedBadly)}))
            returning id, workflow_id`,
          );
    const counted = await countDown(tx, await edgesToCount(tx, succeeded, endedBadly));
    for (const row of cancelled) {
      events.push({
        kind: "task.cancelled",
        taskId: row.id,
        workflowId: row.workflow_id,
        fromState: "blocked",
        toState: "cancelled",
        data: { reason: "upstream_failed" },
      });
    }
    for (const row of counted) {
      if (row.state !== "queued" && row.state !== "waiting") continue;
      if (row.state === "queued") queued = true;
      events.push(readiedEvent(row, "blocked"));
    }
    succeeded = [];
    endedBadly = cancelled.map((row) => row.id);
  }
  return { events, queued };
}

/**
 * How many ended upstream edges each dependent has: every edge from a success, and edges from a
 * bad end into `all_done` dependents. Index lookups on the edge table only; most tasks have no
 * dependents, and then this is the whole cost of a release.
 */
async function edgesToCount(
  tx: Executor,
  succeeded: readonly string[],
  endedBadly: readonly string[],
) {
  const fromSuccess = sql`
    select task_id, count(*)::int as n from task_dependencies
    where depends_on_id = any(${uuidArray(succeeded)}) group by task_id`;
  const fromBadEnd = sql`
    select td.task_id, count(*)::int as n from task_dependencies td
    join tasks d on d.id = td.task_id and d.trigger_rule = 'all_done'
    where td.depends_on_id = any(${uuidArray(endedBadly)}) group by td.task_id`;
  const query =
    succeeded.length === 0
      ? fromBadEnd
      : endedBadly.length === 0
        ? fromSuccess
        : sql`${fromSuccess} union all ${fromBadEnd}`;
  if (succeeded.length === 0 && endedBadly.length === 0) return [];
  return mapRows(
    tx,
    "dependency edges to count",
    (row, c) => ({ task_id: c.string(row, "task_id"), n: c.number(row, "n") }),
    query,
    { prepared: true },
  );
}

/**
 * Subtracts the counted edges; a blocked dependent reaching zero becomes ready: queued, or
 * waiting for its signal.
 */
async function countDown(tx: Executor, edges: readonly { task_id: string; n: number }[]) {
  if (edges.length === 0) return [];
  const totals = new Map<string, number>();
  for (const edge of edges) totals.set(edge.task_id, (totals.get(edge.task_id) ?? 0) + edge.n);
  const rows = JSON.stringify([...totals].map(([id, n]) => ({ id, n })));
  return mapRows(
    tx,
    "count down dependents",
    (row, c) => ({
      id: c.string(row, "id"),
      workflow_id: c.nullableString(row, "workflow_id"),
      state: c.string(row, "state"),
      wait_signal: c.nullableString(row, "wait_signal"),
      wait_deadline: c.nullableString(row, "wait_deadline"),
    }),
    countDownUpdate(sql`jsonb_to_recordset(${rows}::jsonb) as v(id uuid, n int)`),
    { prepared: true },
  );
}

/**
 * The count-down of blocked dependents by `edges` (a source aliased `v` with columns `id`, the
 * dependent, and `n`, how many of its upstream edges ended): one reaching zero becomes ready.
 * Returns id, workflow_id, state, wait_signal, wait_deadline. Shared with the completion's own
 * release (complete-statement.ts).
 */
export function countDownUpdate(edges: SQL): SQL {
  const ready = readyColumns(sql`t.wait_signal`, sql`t.wait_timeout_s`);
  const done = sql`t.pending_deps - v.n <= 0`;
  return sql`
    update tasks t set
      pending_deps = t.pending_deps - v.n,
      state = case when ${done} then ${ready.state} else t.state end,
      queued_at = case when ${done} then coalesce(${ready.queuedAt}, t.queued_at) else t.queued_at end,
      waiting_since = case when ${done} then ${ready.waitingSince} else t.waiting_since end,
      wait_deadline = case when ${done} then ${ready.waitDeadline} else t.wait_deadline end,
      updated_at = now()
    from ${edges}
    where t.id = v.id and t.state = 'blocked'
    returning t.id, t.workflow_id, t.state, t.wait_signal, t.wait_deadline`;
}
