import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { DomainError } from "@/server/errors";
import { workflowEtas } from "./eta";
import {
  type TaskStateCounts,
  taskStateCountsSql,
  type WorkflowState,
  workflowStateSchema,
  workflowStateSql,
} from "./state";

const instant = z.iso.datetime({ offset: true });

export const listWorkflowsInput = z
  .object({
    /** Any of these derived states (server/workflows/state.ts). */
    state: z.union([workflowStateSchema, z.array(workflowStateSchema).min(1).max(5)]).optional(),
    /** Case-insensitive substring of the name; `%` and `_` match themselves. */
    text: z.string().trim().min(1).max(200).optional(),
    /** The name of the token that submitted it. */
    submitter: z.string().trim().min(1).max(200).optional(),
    /** Created at or after / before this instant (ISO 8601 with an offset). */
    since: instant.optional(),
    until: instant.optional(),
    /** `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .prefault({});

export type ListWorkflowsParams = z.input<typeof listWorkflowsInput>;

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

export interface WorkflowPage {
  items: WorkflowSummary[];
  nextCursor: string | null;
}

/**
 * Workflow runs, newest first (created_at desc, id desc), one page at a time, each with its
 * derived state, task counts and, while running, its ETA. Workflows are walked in the order of
 * workflows_created_idx and only their own tasks are counted, so a page costs the same however
 * long the history; a state filter that matches few runs reads further to fill the page.
 */
export async function listWorkflows(
  db: Executor,
  input: ListWorkflowsParams,
): Promise<WorkflowPage> {
  const params = listWorkflowsInput.parse(input);
  const pattern = params.text === undefined ? null : `%${escapeLike(params.text)}%`;
  const states = params.state === undefined ? null : `{${[params.state].flat().join(",")}}`;
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  const rows = await db.execute<
    TaskStateCounts & {
      id: string;
      name: string;
      state: WorkflowState;
      submitter_id: string | null;
      submitter_name: string | null;
      created_at: string;
      cursor_at: string;
      started_at: string | null;
      finished_at: string | null;
      duration_s: number | null;
      paused_at: string | null;
    }
  >(sql`
    select w.id, w.name, s.state, w.created_by as submitter_id, tok.name as submitter_name,
      ${utc(sql`w.created_at`)} as created_at,
      to_char(w.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
      ${utc(sql`c.started_at`)} as started_at,
      ${utc(sql`f.finished_at`)} as finished_at,
      extract(epoch from coalesce(f.finished_at, now()) - c.started_at)::float8 as duration_s,
      ${utc(sql`w.paused_at`)} as paused_at,
      c.blocked, c.queued, c.running, c.succeeded, c.failed, c.cancelled
    from workflows w
    left join api_tokens tok on tok.id = w.created_by
    cross join lateral ${taskStateCountsSql(sql`w.id`)} c
    cross join lateral (select ${workflowStateSql("c", sql`w.paused_at`)} as state) s
    cross join lateral (
      select case when c.blocked + c.queued + c.running = 0 then c.finished_at end as finished_at
    ) f
    where (${pattern}::text is null or w.name ilike ${pattern})
      and (${params.submitter ?? null}::text is null or tok.name = ${params.submitter ?? null})
      and (${params.since ?? null}::timestamptz is null or w.created_at >= ${params.since ?? null}::timestamptz)
      and (${params.until ?? null}::timestamptz is null or w.created_at < ${params.until ?? null}::timestamptz)
      and (${states}::text[] is null or s.state = any(${states}::text[]))
      and (${after?.at ?? null}::timestamptz is null
        or (w.created_at, w.id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid))
    order by w.created_at desc, w.id desc
    limit ${params.limit + 1}`);
  const page = rows.slice(0, params.limit);
  const etas = await workflowEtas(
    db,
    page.filter((row) => row.state === "running").map((row) => row.id),
  );
  const items = page.map((row): WorkflowSummary => {
    const counts = {
      blocked: row.blocked,
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
  const last = rows[params.limit - 1];
  const nextCursor =
    rows.length > params.limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null;
  return { items, nextCursor };
}

const cursorSchema = z.object({
  at: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
  id: z.uuid(),
});

function encodeCursor(cursor: z.infer<typeof cursorSchema>): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(cursor: string): z.infer<typeof cursorSchema> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString()));
  } catch (error) {
    throw new DomainError("BAD_REQUEST", "cursor: not a cursor returned by workflows.list", {
      cause: error,
    });
  }
}

/** ISO 8601 in UTC to the millisecond, whatever the session's TimeZone. */
function utc(column: SQL): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Makes `%`, `_` and the escape character itself match literally in LIKE. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
