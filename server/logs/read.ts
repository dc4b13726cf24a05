import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { col, queryRows } from "@/db/rows";
import { int4, pgText } from "@/server/validation";
import { LOG_LEVELS, type LogLevel } from "./line";

export const MAX_LOG_PAGE = 10_000;

// A sequence number is a bigint; a JS number holds it exactly far beyond any real log.
const seqNumber = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const readLogsInput = z.strictObject({
  taskId: z.uuid(),
  /** One attempt's lines; omitted: every attempt's, in order. */
  attempt: int4().min(1).optional(),
  /** Lines after this sequence number (a page's `nextAfterSeq`). */
  afterSeq: seqNumber.optional(),
  limit: z.number().int().min(1).max(MAX_LOG_PAGE).default(1000),
  /** Lines at this level or above (debug < info < warn < error). */
  level: z.enum(LOG_LEVELS).optional(),
  /** Lines whose message contains this text, case-insensitively. */
  text: pgText().max(500).optional(),
});
export type ReadLogsInput = z.input<typeof readLogsInput>;

export interface LogLine {
  seq: number;
  attempt: number;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown> | null;
  at: string;
}

export interface LogPage {
  lines: LogLine[];
  /** Pass back as `afterSeq` for the next page; null when this page reached the end. */
  nextAfterSeq: number | null;
  /** Every attempt that has lines, in order: the log panel's tabs. */
  attempts: number[];
  /** The task's last sequence number now: follow from here after reading the history. */
  lastSeq: number;
}

/** A row of `lineColumns`; seq is a bigint, which a raw statement returns as a string. */
export const logLineRow = z.object({
  seq: col.number(),
  attempt: z.number(),
  level: z.enum(LOG_LEVELS),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).nullable(),
  at: z.string(),
});
type LogLineRow = z.output<typeof logLineRow>;

export const toLogLine = (row: LogLineRow): LogLine => ({
  seq: Number(row.seq),
  attempt: row.attempt,
  level: row.level,
  message: row.message,
  fields: row.fields,
  at: row.at,
});

export const lineColumns = sql`seq, attempt, level, message, fields,
  to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at`;

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A page of a task's log in sequence order. An attempt's lines are a contiguous range of
 * sequence numbers (appends lock the task's state row), so one attempt is read as that range
 * of the primary key, never by scanning the attempts before it.
 */
export async function readLogs(db: Executor, params: ReadLogsInput): Promise<LogPage> {
  const input = readLogsInput.parse(params);
  const [state] = await queryRows(
    db,
    "task log state",
    z.object({ next_seq: col.number(), attempt_starts: z.record(z.string(), z.number()) }),
    sql`select next_seq, attempt_starts from task_log_state where task_id = ${input.taskId}`,
  );
  const lastSeq = state ? Number(state.next_seq) - 1 : 0;
  const starts = Object.entries(state?.attempt_starts ?? {})
    .map(([attempt, seq]) => ({ attempt: Number(attempt), seq: Number(seq) }))
    .sort((a, b) => a.seq - b.seq);
  const attempts = starts.map((start) => start.attempt);
  if (!state) return { lines: [], nextAfterSeq: null, attempts, lastSeq };

  let after = input.afterSeq ?? 0;
  let upTo = lastSeq;
  if (input.attempt !== undefined) {
    const index = starts.findIndex((start) => start.attempt === input.attempt);
    const start = starts[index];
    if (!start) return { lines: [], nextAfterSeq: null, attempts, lastSeq };
    after = Math.max(after, start.seq - 1);
    upTo = (starts[index + 1]?.seq ?? lastSeq + 1) - 1;
  }
  const rows = await queryRows(
    db,
    "task log lines",
    logLineRow,
    sql`
    select ${lineColumns} from task_logs
    where task_id = ${input.taskId} and seq > ${after} and seq <= ${upTo}
      ${input.level ? sql`and level >= ${input.level}::log_level` : sql``}
      ${input.text ? sql`and message ilike ${likePattern(input.text)}` : sql``}
    order by seq limit ${input.limit}`,
  );
  const lines = rows.map(toLogLine);
  const full = lines.length === input.limit;
  return { lines, nextAfterSeq: full ? (lines.at(-1)?.seq ?? null) : null, attempts, lastSeq };
}

/** Lines of every attempt after `afterSeq`, up to `limit`: what a follower reads next. */
export async function readLinesAfter(
  db: Executor,
  taskId: string,
  afterSeq: number,
  limit: number,
): Promise<LogLine[]> {
  const rows = await queryRows(
    db,
    "task log lines after",
    logLineRow,
    sql`
    select ${lineColumns} from task_logs
    where task_id = ${taskId} and seq > ${afterSeq} order by seq limit ${limit}`,
  );
  return rows.map(toLogLine);
}

/** The task's last sequence number (0: no lines yet). */
export async function lastLogSeq(db: Executor, taskId: string): Promise<number> {
  const [state] = await queryRows(
    db,
    "last task log seq",
    z.object({ next_seq: col.number() }),
    sql`select next_seq from task_log_state where task_id = ${taskId}`,
  );
  return state ? Number(state.next_seq) - 1 : 0;
}
