import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor } from "@/db/client";
import { col, mapRows, queryRows } from "@/db/rows";
import { recordAttemptFailures } from "@/server/agents/quarantine";
import { notifyQueue } from "@/server/events/record";
import type { Sweep } from "@/server/scheduler/types";
import { endedAttempt, endedColumns, retryOrFail, settleEndedAttempts } from "./settle";
import { isoTime } from "./sql";

/** Rows per sweep transaction: short transactions, and the loop runs again while work remains. */
const BATCH = 500;

/**
 * Ends running attempts that are over: lease expired (no progress or heartbeat in lease_s) or
 * past timeout_s. Each counts as a failed attempt: requeued with backoff while attempts remain.
 * Runs concurrently with itself safely (SKIP LOCKED), so an on-demand pass may overlap the leader.
 */
async function endOverdueAttempts(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const ended = await db.transaction(async (tx) => {
      const rows = await mapRows(
        tx,
        "end overdue attempts",
        (row, c) => ({
          ...endedAttempt(row, c),
          held_by: c.nullableString(row, "held_by"),
          type: c.string(row, "type"),
        }),
        sql`
        with due as (
          select id, agent_id,
            case when timeout_s is not null and started_at + timeout_s * interval '1 second' <= now()
              then 'timeout' else 'lease_expired' end as reason
          from tasks
          where state = 'running' and (lease_expires_at <= now()
            or (timeout_s is not null and started_at + timeout_s * interval '1 second' <= now()))
          order by lease_expires_at
          limit ${BATCH}
          for update skip locked
        )
        update tasks t set ${retryOrFail(sql`jsonb_build_object('code', due.reason, 'message', case when due.reason = 'timeout' then 'ran longer than timeout_s' else 'lease expired: no progress or heartbeat within lease_s' end)`, sql`true`)}
        from due where t.id = due.id
        returning ${endedColumns(sql`'running'::task_state`)}, due.agent_id as held_by, t.type`,
      );
      await settleEndedAttempts(tx, rows, () => ({ reason: "overdue" }));
      // An expired lease or a timeout is the holder's failed attempt, as if it had reported it.
      await recordAttemptFailures(
        tx,
        rows.flatMap((row) => (row.held_by ? [{ agentId: row.held_by, type: row.type }] : [])),
      );
      return rows.length;
    });
    total += ended;
    if (ended < BATCH) return total;
  }
}

/**
 * Fails waiting tasks whose wait timed out, for good (reason wait_timeout): a signal that did
 * not come is no transient failure. Their dependents follow their trigger rules.
 */
async function endExpiredWaits(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const ended = await db.transaction(async (tx) => {
      const rows = await mapRows(
        tx,
        "end expired waits",
        endedAttempt,
        sql`
        with due as (
          select id from tasks
          where wait_deadline <= now() and state = 'waiting'
          order by wait_deadline
          limit ${BATCH}
          for update skip locked
        )
        update tasks t set state = 'failed',
          error = jsonb_build_object('code', 'wait_timeout', 'signal', t.wait_signal,
            'message', 'no signal "' || t.wait_signal || '" within '
              || t.wait_timeout_s || ' s'),
          finished_at = now(), wait_deadline = null, updated_at = now()
        from due where t.id = due.id and t.state = 'waiting'
        returning ${endedColumns(sql`'waiting'::task_state`)}`,
      );
      await settleEndedAttempts(tx, rows, () => ({ reason: "wait_timeout" }));
      return rows.length;
    });
    total += ended;
    if (ended < BATCH) return total;
  }
}

/**
 * Wakes claimers when delayed tasks (run_at, retry backoff) become due: nothing else changes
 * when time passes, so no transaction would NOTIFY for them.
 *
 * The latest due task by tasks_run_at_idx, not `exists`: sized by stale statistics after a
 * burst, `exists` scanned the whole table every pass (claim-released.ts says more).
 */
async function wakeForDueTasks(db: Executor): Promise<boolean> {
  const [due] = await queryRows(
    db,
    "queued tasks due",
    z.object({ due: z.boolean() }),
    sql`
    select (select run_at from tasks where state = 'queued' and run_at <= now()
      and run_at > now() - interval '1 hour' order by run_at desc limit 1) is not null as due`,
  );
  if (due?.due) await notifyQueue(db);
  return due?.due ?? false;
}

/** The earliest moment something running, delayed or waiting falls due. */
async function nextTaskDueAt(db: Database): Promise<Date | null> {
  const [row] = await queryRows(
    db,
    "next task due",
    z.object({ next: col.date().nullable() }),
    sql`
    select ${isoTime(sql`least(
      (select min(lease_expires_at) from tasks where state = 'running'),
      (select min(started_at + timeout_s * interval '1 second') from tasks
        where state = 'running' and timeout_s is not null),
      (select min(run_at) from tasks where state = 'queued' and run_at > now()),
      (select min(wait_deadline) from tasks where wait_deadline is not null))`)} as next`,
  );
  return row?.next ?? null;
}

/** The task sweeps run by the scheduler's leader (docs/architecture.md "Timing"). */
export const taskSweeps: Sweep[] = [
  {
    name: "overdue-attempts",
    async run(db) {
      await endOverdueAttempts(db);
      await endExpiredWaits(db);
      return { nextDueAt: await nextTaskDueAt(db) };
    },
  },
  {
    name: "due-tasks",
    async run(db) {
      await wakeForDueTasks(db);
      return { nextDueAt: null };
    },
  },
];

export { endExpiredWaits, endOverdueAttempts, nextTaskDueAt, wakeForDueTasks };
