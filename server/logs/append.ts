import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { col, queryRows } from "@/db/rows";
import type { LogsConfig } from "@/server/config";
import { CHANNELS } from "@/server/events/record";
import {
  explainFenced,
  type FencedOutcome,
  type LeaseCaller,
  type LeaseRef,
} from "@/server/tasks/fencing";
import { LOG_LEVELS, type LogLevel, type LogLineInput, type ShapedLine, shapeLine } from "./line";

export interface LogItem extends LeaseRef {
  lines: readonly LogLineInput[];
}

/** An item's outcome, as completeMany reports it; `accepted` lines were stored (not dropped). */
export type LogOutcome = FencedOutcome & { accepted?: number };

// next_seq, bytes and marker_seq are bigints: strings from a raw statement.
const stateRow = z.object({
  task_id: z.string(),
  /** The attempt and epoch of the lease the caller holds. */
  held: z.number(),
  held_epoch: z.number(),
  attempt: z.number(),
  next_seq: col.number(),
  lines: z.number(),
  bytes: col.number(),
  dropped: z.number(),
  marker_seq: col.number().nullable(),
});

interface LineRow {
  task_id: string;
  seq: number;
  attempt: number;
  level: string;
  message: string;
  fieldsJson: string | null;
  at: string | null;
}

/**
 * Appends log lines to the attempts the caller holds, each item fenced like a progress report:
 * an item whose lease is not the caller's current one writes nothing and comes back with its
 * reason. Past the attempt's limits (LogsConfig) lines are dropped and counted in one marker
 * line, whose message is rewritten as the count grows.
 *
 * Three statements in one transaction. The first both fences (a join on the tasks row, read
 * without a lock: claims and completions never wait on a log write) and locks the task's
 * task_log_state row, which orders the task's appends, so sequence numbers become visible in
 * order and a follower reading `seq > n` never skips a line that commits later.
 */
export async function appendLogs(
  db: Database,
  caller: LeaseCaller,
  items: readonly LogItem[],
  limits: LogsConfig,
): Promise<LogOutcome[]> {
  const refs = items.map(({ taskId, leaseEpoch }) => ({ taskId, leaseEpoch }));
  return db.transaction(async (tx) => {
    // Sorted by task: two calls naming the same tasks lock their state rows in the same order.
    const states = await queryRows(
      tx,
      "lock task log states",
      stateRow,
      sql`
      with held as (
        select distinct t.id, t.attempts, t.lease_epoch
        from jsonb_to_recordset(${JSON.stringify(refs)}::jsonb) as v("taskId" uuid, "leaseEpoch" int)
        join tasks t on t.id = v."taskId" and t.lease_epoch = v."leaseEpoch"
          and t.agent_id = ${caller.agentId} and t.state = 'running'
        order by t.id
      )
      insert into task_log_state as s (task_id, attempt, attempt_starts)
      select id, attempts, jsonb_build_object(attempts::text, 1) from held order by id
      on conflict (task_id) do update set
        attempt = greatest(s.attempt, excluded.attempt),
        lines = case when excluded.attempt > s.attempt then 0 else s.lines end,
        bytes = case when excluded.attempt > s.attempt then 0 else s.bytes end,
        dropped = case when excluded.attempt > s.attempt then 0 else s.dropped end,
        marker_seq = case when excluded.attempt > s.attempt then null else s.marker_seq end,
        attempt_starts = case when excluded.attempt > s.attempt
          then s.attempt_starts || jsonb_build_object(excluded.attempt::text, s.next_seq)
          else s.attempt_starts end
      returning s.task_id, (select attempts from held where held.id = s.task_id) as held,
        (select lease_epoch from held where held.id = s.task_id) as held_epoch,
        s.attempt, s.next_seq, s.lines, s.bytes, s.dropped, s.marker_seq`,
    );
    // A newer attempt got here first (its claim raced this call): this lease is stale.
    const byTask = new Map(
      states.filter((row) => row.attempt === row.held).map((row) => [row.task_id, row]),
    );
    const holds = (item: LeaseRef) => byTask.get(item.taskId)?.held_epoch === item.leaseEpoch;

    const inserts: LineRow[] = [];
    const stateUpdates: object[] = [];
    const markerUpdates: { task_id: string; seq: number; message: string }[] = [];
    const notices: string[] = [];
    const accepted = new Map<string, number>();
    // Items naming the same task (at the same, current, epoch) append in the order given.
    const linesByTask = new Map<string, ShapedLine[]>();
    for (const item of items) {
      if (!holds(item)) continue;
      const list = linesByTask.get(item.taskId) ?? [];
      for (const line of item.lines) list.push(shapeLine(line));
      linesByTask.set(item.taskId, list);
    }
    for (const [taskId, shaped] of linesByTask) {
      const state = byTask.get(taskId);
      if (!state) continue;
      let nextSeq = Number(state.next_seq);
      let lines = state.lines;
      let bytes = Number(state.bytes);
      let dropped = state.dropped;
      let markerSeq = state.marker_seq === null ? null : Number(state.marker_seq);
      let kept = 0;
      for (const line of shaped) {
        // Once anything is dropped everything after is too: the marker stays the last line.
        const fits =
          markerSeq === null &&
          lines + 1 <= limits.maxLinesPerAttempt &&
          bytes + line.bytes <= limits.maxBytesPerAttempt;
        if (!fits) {
          dropped += 1;
          continue;
        }
        inserts.push({
          task_id: taskId,
          seq: nextSeq++,
          attempt: state.attempt,
          level: line.level,
          message: line.message,
          fieldsJson: line.fieldsJson,
          at: line.at,
        });
        lines += 1;
        bytes += line.bytes;
        kept += 1;
      }
      accepted.set(taskId, kept);
      if (dropped > state.dropped) {
        const message = droppedMessage(dropped, limits);
        if (markerSeq === null) {
          markerSeq = nextSeq++;
          inserts.push({
            task_id: taskId,
            seq: markerSeq,
            attempt: state.attempt,
            level: "warn",
            message,
            fieldsJson: JSON.stringify({ dropped }),
            at: null,
          });
        } else {
          markerUpdates.push({ task_id: taskId, seq: markerSeq, message });
        }
      }
      if (kept > 0 || dropped > state.dropped) notices.push(`${taskId}:${nextSeq - 1}`);
      stateUpdates.push({
        task_id: taskId,
        next_seq: nextSeq,
        lines,
        bytes,
        dropped,
        marker_seq: markerSeq,
      });
    }

    if (stateUpdates.length > 0) {
      // One statement, whatever the number of lines. The lines go in as one array literal per
      // column, PostgreSQL reading those faster than a JSON document of as many rows; values
      // repeated on every line (task, attempt, level) as small indexes into short arrays, and
      // times as epoch milliseconds (a float parses faster than a timestamp).
      const packed = packLines(inserts);
      await tx.execute(sql`
        with new_lines as (
          insert into task_logs (task_id, seq, attempt, level, message, fields, at)
          select (${pgArray(packed.tasks)}::uuid[])[k], seq, (${pgArray(packed.attempts)}::int4[])[k],
            (${pgArray(LOG_LEVELS)}::log_level[])[lv], message, fields,
            coalesce(to_timestamp(ms / 1000), now())
          from unnest(
            ${numberArray(packed.k)}::int4[],
            ${numberArray(packed.seq)}::int8[],
            ${numberArray(packed.lv)}::int4[],
            ${pgArray(packed.message)}::text[],
            ${pgArray(packed.fields)}::jsonb[],
            ${numberArray(packed.ms)}::float8[]
          ) as v(k, seq, lv, message, fields, ms)
          returning 1
        ), markers as (
          update task_logs l set message = m.message, fields = jsonb_build_object('dropped', d.dropped)
          from jsonb_to_recordset(${JSON.stringify(markerUpdates)}::jsonb)
            as m(task_id uuid, seq int8, message text)
          join jsonb_to_recordset(${JSON.stringify(stateUpdates)}::jsonb)
            as d(task_id uuid, dropped int4) on d.task_id = m.task_id
          where l.task_id = m.task_id and l.seq = m.seq
          returning 1
        ), states as (
          update task_log_state s set next_seq = u.next_seq, lines = u.lines, bytes = u.bytes,
            dropped = u.dropped, marker_seq = u.marker_seq, updated_at = now()
          from jsonb_to_recordset(${JSON.stringify(stateUpdates)}::jsonb) as u(
            task_id uuid, next_seq int8, lines int4, bytes int8, dropped int4, marker_seq int8)
          where s.task_id = u.task_id
          returning 1
        )
        select pg_notify(${CHANNELS.logs}, n)
        from jsonb_array_elements_text(${JSON.stringify(notices)}::jsonb) as n`);
    }

    const refusedItems = items.filter((item) => !holds(item));
    const reasons = await explainFenced(tx, refusedItems, caller);
    const reasonOf = new Map(refusedItems.map((item, index) => [item, reasons[index]]));
    return items.map((item): LogOutcome => {
      if (holds(item)) {
        return { taskId: item.taskId, ok: true, accepted: accepted.get(item.taskId) ?? 0 };
      }
      return reasonOf.get(item) ?? staleLease(item);
    });
  });
}

function packLines(rows: readonly LineRow[]) {
  const tasks: string[] = [];
  const attempts: number[] = [];
  const index = new Map<string, number>();
  const packed = {
    tasks,
    attempts,
    k: [] as number[],
    seq: [] as number[],
    lv: [] as number[],
    message: [] as string[],
    fields: [] as (string | null)[],
    ms: [] as (number | null)[],
  };
  for (const row of rows) {
    let k = index.get(row.task_id);
    if (k === undefined) {
      tasks.push(row.task_id);
      attempts.push(row.attempt);
      k = tasks.length;
      index.set(row.task_id, k);
    }
    packed.k.push(k);
    packed.seq.push(row.seq);
    packed.lv.push(LOG_LEVELS.indexOf(row.level as LogLevel) + 1);
    packed.message.push(row.message);
    packed.fields.push(row.fieldsJson);
    packed.ms.push(row.at === null ? null : Date.parse(row.at));
  }
  return packed;
}

/** A PostgreSQL array literal of numbers (null: NULL), which need no quoting. */
function numberArray(values: readonly (number | null)[]): string {
  return `{${values.map((value) => (value === null ? "NULL" : String(value))).join(",")}}`;
}

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A PostgreSQL array literal of `values`, sent as one text parameter: every element quoted
 * (backslash and quote escaped), null as NULL. Text validated at the boundary holds no NUL.
 */
function pgArray(values: readonly (string | number | null)[]): string {
  const elements = values.map((value) => {
    if (value === null) return "NULL";
    const text = String(value);
    // Most lines hold neither: a test is much cheaper than a replace with a callback.
    return NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : `"${text}"`;
  });
  return `{${elements.join(",")}}`;
}

function staleLease(item: LeaseRef): LogOutcome {
  return {
    taskId: item.taskId,
    ok: false,
    code: "CONFLICT",
    message: `stale lease: epoch ${item.leaseEpoch} is not the task's current attempt`,
  };
}

function droppedMessage(dropped: number, limits: LogsConfig): string {
  return (
    `… ${dropped} more ${dropped === 1 ? "line" : "lines"} dropped: this attempt reached its ` +
    `log limit (${limits.maxLinesPerAttempt} lines or ${limits.maxBytesPerAttempt} bytes; ` +
    "task_manager.logs in task-manager.yaml)"
  );
}
