import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { isoTime, uuidArray } from "@/server/tasks/sql";

/** The signal the Approvals page resolves: a task with `waitFor: {signal: "approval"}`. */
export const APPROVAL_SIGNAL = "approval";
/** Upstream tasks shown per approval: a review needs the inputs, not a whole fan-in. */
export const MAX_UPSTREAM = 10;
/** Bytes of an upstream result shown in full; a larger one comes as a truncated preview. */
export const MAX_RESULT_CHARS = 4096;

export const listApprovalsInput = z
  .strictObject({ limit: z.number().int().min(1).max(100).default(50) })
  .prefault({});

export interface UpstreamResult {
  id: string;
  key: string | null;
  name: string;
  state: string;
  /** The result as stored, or null if larger than MAX_RESULT_CHARS (see `preview`). */
  result: unknown;
  /** The first MAX_RESULT_CHARS characters of a larger result's JSON. */
  preview: string | null;
}

export interface Approval {
  taskId: string;
  key: string | null;
  name: string;
  type: string;
  payload: unknown;
  waitingSince: string | null;
  timeoutAt: string | null;
  /** Seconds waited so far (the database's clock). */
  waitedS: number;
  workflow: { id: string; name: string } | null;
  upstream: UpstreamResult[];
  /** Upstream tasks beyond MAX_UPSTREAM, not listed. */
  moreUpstream: number;
}

/**
 * Tasks waiting for the `approval` signal, longest waiting first, each with its workflow and
 * the results of its upstream tasks to review (bounded: MAX_UPSTREAM tasks, MAX_RESULT_CHARS
 * each). Reads waiting tasks only, through tasks_state_created_idx.
 */
export async function listApprovals(
  db: Executor,
  input: z.input<typeof listApprovalsInput>,
): Promise<{ items: Approval[]; total: number }> {
  const { limit } = listApprovalsInput.parse(input);
  const rows = await queryRows(
    db,
    "tasks waiting for approval",
    z.object({
      id: z.string(),
      key: z.string().nullable(),
      name: z.string(),
      type: z.string(),
      payload: z.unknown(),
      waiting_since: z.string().nullable(),
      timeout_at: z.string().nullable(),
      waited_s: z.number(),
      workflow_id: z.string().nullable(),
      workflow_name: z.string().nullable(),
      total: z.number(),
    }),
    sql`
    select t.id, t.key, t.name, t.type, t.payload,
      ${isoTime(sql`t.waiting_since`)} as waiting_since,
      ${isoTime(sql`t.wait_deadline`)} as timeout_at,
      extract(epoch from now() - coalesce(t.waiting_since, t.created_at))::float8 as waited_s,
      w.id as workflow_id, w.name as workflow_name,
      count(*) over ()::int as total
    from tasks t left join workflows w on w.id = t.workflow_id
    where t.state = 'waiting' and t.wait_signal = ${APPROVAL_SIGNAL}
    order by t.waiting_since nulls first, t.id
    limit ${limit}`,
  );
  const ids = rows.map((row) => row.id);
  const upstream: z.output<typeof upstreamRow>[] =
    ids.length === 0
      ? []
      : await queryRows(
          db,
          "upstream of approvals",
          upstreamRow,
          sql`
          select * from (
            select td.task_id, u.id, u.key, u.name, u.state,
              case when length(u.result::text) <= ${MAX_RESULT_CHARS} then u.result end as result,
              case when length(u.result::text) > ${MAX_RESULT_CHARS}
                then left(u.result::text, ${MAX_RESULT_CHARS}) end as preview,
              row_number() over (partition by td.task_id order by u.created_at, u.id)::int as n,
              count(*) over (partition by td.task_id)::int as total
            from task_dependencies td join tasks u on u.id = td.depends_on_id
            where td.task_id = any(${uuidArray(ids)})
          ) ranked
          where n <= ${MAX_UPSTREAM}
          order by task_id, n`,
        );
  const byTask = new Map<string, z.output<typeof upstreamRow>[]>();
  for (const row of upstream) byTask.set(row.task_id, [...(byTask.get(row.task_id) ?? []), row]);
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((row) => {
      const ups = byTask.get(row.id) ?? [];
      return {
        taskId: row.id,
        key: row.key,
        name: row.name,
        type: row.type,
        payload: row.payload,
        waitingSince: row.waiting_since,
        timeoutAt: row.timeout_at,
        waitedS: row.waited_s,
        workflow:
          row.workflow_id && row.workflow_name !== null
            ? { id: row.workflow_id, name: row.workflow_name }
            : null,
        upstream: ups.map((u) => ({
          id: u.id,
          key: u.key,
          name: u.name,
          state: u.state,
          result: u.result ?? null,
          preview: u.preview,
        })),
        moreUpstream: Math.max(0, (ups[0]?.total ?? 0) - MAX_UPSTREAM),
      };
    }),
  };
}

const upstreamRow = z.object({
  task_id: z.string(),
  id: z.string(),
  key: z.string().nullable(),
  name: z.string(),
  state: z.string(),
  result: z.unknown(),
  preview: z.string().nullable(),
  n: z.number(),
  total: z.number(),
});

/** How many tasks wait for an approval: the header's count. */
export async function countApprovals(db: Executor): Promise<number> {
  const [row] = await queryRows(
    db,
    "approvals count",
    z.object({ n: z.number() }),
    sql`
    select count(*)::int as n from tasks
    where state = 'waiting' and wait_signal = ${APPROVAL_SIGNAL}`,
  );
  return row?.n ?? 0;
}
