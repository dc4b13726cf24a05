import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { pgText } from "@/server/validation";

export const listWorkflowsInput = z
  .object({
    /** Case-insensitive substring of the name; `%` and `_` match themselves. */
    text: pgText().trim().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .prefault({});

export type ListWorkflowsParams = z.input<typeof listWorkflowsInput>;

export interface WorkflowSummary {
  id: string;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  tasks: number;
  /** Tasks that ended: succeeded, failed or cancelled. */
  finished: number;
  failed: number;
  running: number;
}

/**
 * The most recent workflows, newest first, each with its task counts by outcome: what a
 * picker needs to choose one. The recent workflows are chosen first (workflows_created_idx)
 * and only their tasks are counted, so a big history costs nothing.
 */
export async function listWorkflows(
  db: Executor,
  input: ListWorkflowsParams,
): Promise<WorkflowSummary[]> {
  const params = listWorkflowsInput.parse(input);
  const pattern = params.text === undefined ? null : `%${escapeLike(params.text)}%`;
  const rows = await db.execute<{
    id: string;
    name: string;
    created_at: string;
    tasks: number;
    finished: number;
    failed: number;
    running: number;
  }>(sql`
    select w.id, w.name,
      to_char(w.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
      c.tasks, c.finished, c.failed, c.running
    from (
      select * from workflows
      where ${pattern}::text is null or name ilike ${pattern}
      order by created_at desc, id desc
      limit ${params.limit}
    ) w
    cross join lateral (
      select count(*)::int as tasks,
        count(*) filter (where state in ('succeeded', 'failed', 'cancelled'))::int as finished,
        count(*) filter (where state = 'failed')::int as failed,
        count(*) filter (where state = 'running')::int as running
      from tasks t where t.workflow_id = w.id
    ) c
    order by w.created_at desc, w.id desc`);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    tasks: row.tasks,
    finished: row.finished,
    failed: row.failed,
    running: row.running,
  }));
}

/** Makes `%`, `_` and the escape character itself match literally in LIKE. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
