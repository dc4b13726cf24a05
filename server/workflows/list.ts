import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { DomainError } from "@/server/errors";
import { textArray } from "@/server/tasks/sql";
import { pgText, pgTimestamp } from "@/server/validation";
import { workflowStateSchema } from "./state";
import { runRow, runsSql, summarize, type WorkflowSummary } from "./summary";

export const listWorkflowsInput = z
  .object({
    /** Any of these derived states (server/workflows/state.ts). */
    state: z.union([workflowStateSchema, z.array(workflowStateSchema).min(1).max(5)]).optional(),
    /** Case-insensitive substring of the name; `%` and `_` match themselves. */
    text: pgText().trim().min(1).max(200).optional(),
    /** The name of the token that submitted it. */
    submitter: pgText().trim().min(1).max(200).optional(),
    /** Created at or after / before this instant (ISO 8601 with an offset). */
    since: pgTimestamp().optional(),
    until: pgTimestamp().optional(),
    /** `nextCursor` of the previous page. */
    cursor: z
      .string()
      .min(1)
      .max(200)
      .refine((cursor) => decodeCursor(cursor) !== null, "not a cursor returned by workflows.list")
      .optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .prefault({});

export type ListWorkflowsParams = z.input<typeof listWorkflowsInput>;

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
  const rows = await queryRows(db, "workflow runs list", runRow, listWorkflowsSql(params));
  const items = await summarize(db, rows.slice(0, params.limit));
  const last = rows[params.limit - 1];
  const nextCursor =
    rows.length > params.limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null;
  return { items, nextCursor };
}

const cursorSchema = z.object({
  // A real instant PostgreSQL can read: a forged "0000-…" or a 13th month must be a 400.
  at: z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    .pipe(pgTimestamp()),
  id: z.uuid(),
});

function encodeCursor(cursor: z.infer<typeof cursorSchema>): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The cursor's position, or null for anything `encodeCursor` did not make. */
function decodeCursor(cursor: string): z.infer<typeof cursorSchema> | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString()));
    return parsed.success ? parsed.data : null;
  } catch {
    // Not base64url-encoded JSON at all.
    return null;
  }
}

/**
 * The page's statement: the filters over workflows walked newest first. The order is exactly
 * workflows_created_idx's (created_at desc, id desc), so the first page stops after `limit`
 * rows and counts only their tasks; an order the index did not give would count every
 * workflow's tasks to sort them.
 */
export function listWorkflowsSql(params: z.output<typeof listWorkflowsInput>): SQL {
  const pattern = params.text === undefined ? null : `%${escapeLike(params.text)}%`;
  const states = params.state === undefined ? null : [params.state].flat();
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  if (after === null) {
    throw new DomainError("BAD_REQUEST", "cursor: not a cursor returned by workflows.list");
  }
  return runsSql(
    sql`(${pattern}::text is null or w.name ilike ${pattern})
      and (${params.submitter ?? null}::text is null
        or w.created_by in (select id from api_tokens where name = ${params.submitter ?? null}))
      and (${params.since ?? null}::timestamptz is null or w.created_at >= ${params.since ?? null}::timestamptz)
      and (${params.until ?? null}::timestamptz is null or w.created_at < ${params.until ?? null}::timestamptz)
      and (${after?.at ?? null}::timestamptz is null
        or (w.created_at, w.id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid))`,
    states === null ? null : sql`s.state = any(${textArray(states)})`,
    sql`order by w.created_at desc, w.id desc`,
    params.limit + 1,
  );
}

/** Makes `%`, `_` and the escape character itself match literally in LIKE. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
