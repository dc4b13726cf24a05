import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  gt,
  ilike,
  inArray,
  type SQL,
  sql,
} from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { agents } from "@/db/schema/agents";
import { taskEvents as events, taskDependencies, taskStateEnum, tasks } from "@/db/schema/tasks";
import { workflows } from "@/db/schema/workflows";
import { DomainError, notFound } from "@/server/errors";
import { pgText, pgTimestamp } from "@/server/validation";

const taskState = z.enum(taskStateEnum.enumValues);

/** `tasks.list` filters; every field optional, all given ones must match. */
export const listTasksInput = z
  .object({
    state: z.union([taskState, z.array(taskState).min(1).max(7)]).optional(),
    type: pgText().min(1).max(200).optional(),
    agentId: z.uuid().optional(),
    workflowId: z.uuid().optional(),
    /** Case-insensitive substring of the name; `%` and `_` match themselves. */
    text: pgText().trim().min(1).max(200).optional(),
    /** `nextCursor` of the previous page. */
    cursor: z
      .string()
      .min(1)
      .max(200)
      .refine((cursor) => decodeCursor(cursor) !== null, "not a cursor returned by tasks.list")
      .optional(),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .prefault({});

export const taskEventsInput = z.object({
  taskId: z.uuid(),
  /** Only events after this id: the last id of the previous page. */
  afterId: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).default(200),
});

export type ListTasksParams = z.input<typeof listTasksInput>;
export type TaskEventsParams = z.input<typeof taskEventsInput>;
export type TaskRecord = typeof tasks.$inferSelect;

/** A task with its edges: ids it waits for and ids that wait for it. NOT_FOUND if unknown. */
export async function getTask(db: Executor, id: string) {
  const [task] = await db.select().from(tasks).where(eq(tasks.id, id));
  if (!task) throw notFound(`task ${id}`);
  const [upstream, downstream] = await Promise.all([
    db
      .select({ id: taskDependencies.dependsOnId })
      .from(taskDependencies)
      .where(eq(taskDependencies.taskId, id)),
    db
      .select({ id: taskDependencies.taskId })
      .from(taskDependencies)
      .where(eq(taskDependencies.dependsOnId, id)),
  ]);
  return { ...task, dependsOn: upstream.map((r) => r.id), dependents: downstream.map((r) => r.id) };
}

// A list row leaves out payload and result, which may be large: `tasks.get` has them.
const { payload: _payload, result: _result, ...summaryColumns } = getTableColumns(tasks);

// UTC with microseconds, independent of the session's TimeZone and DateStyle.
const createdAtText = sql`to_char(${tasks.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Tasks, newest first (created_at desc, id desc), one page at a time. The cursor carries the
 * last row's created_at at full microsecond precision (a JS Date would cut it to milliseconds
 * and pages would skip or repeat rows) and its id to break ties.
 */
export async function listTasks(db: Executor, input: ListTasksParams) {
  const params = listTasksInput.parse(input);
  const states = params.state === undefined ? [] : [params.state].flat();
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  if (after === null) {
    throw new DomainError("BAD_REQUEST", "cursor: not a cursor returned by tasks.list");
  }
  const rows = await db
    .select({ ...summaryColumns, cursorAt: sql<string>`${createdAtText}` })
    .from(tasks)
    .where(
      and(
        states.length > 0 ? inArray(tasks.state, states) : undefined,
        ...taskFilterConditions(params),
        after === undefined
          ? undefined
          : sql`(${tasks.createdAt}, ${tasks.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`,
      ),
    )
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(params.limit + 1);
  const page = rows.slice(0, params.limit).map(({ cursorAt: _, ...task }) => task);
  const last = rows[params.limit - 1];
  const nextCursor =
    rows.length > params.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null;
  return { items: page, nextCursor };
}

/** The filters `tasks.list` and `tasks.counts` share (all but state), as WHERE conditions. */
export function taskFilterConditions(params: {
  type?: string;
  agentId?: string;
  workflowId?: string;
  text?: string;
}): (SQL | undefined)[] {
  return [
    params.type === undefined ? undefined : eq(tasks.type, params.type),
    params.agentId === undefined ? undefined : eq(tasks.agentId, params.agentId),
    params.workflowId === undefined ? undefined : eq(tasks.workflowId, params.workflowId),
    params.text === undefined ? undefined : ilike(tasks.name, `%${escapeLike(params.text)}%`),
  ];
}

/** The task's events in the order they happened, a page at a time. */
export async function taskEvents(db: Executor, input: TaskEventsParams) {
  const params = taskEventsInput.parse(input);
  const items = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.taskId, params.taskId),
        params.afterId === undefined ? undefined : gt(events.id, params.afterId),
      ),
    )
    .orderBy(asc(events.id))
    .limit(params.limit);
  const last = items.at(-1);
  return { items, nextAfterId: items.length === params.limit && last ? last.id : null };
}

/** A workflow with its tasks and the DAG's edges (`from` must finish before `to`). */
export async function getWorkflow(db: Executor, id: string) {
  const [workflow] = await db.select().from(workflows).where(eq(workflows.id, id));
  if (!workflow) throw notFound(`workflow ${id}`);
  const [members, edges] = await Promise.all([
    db
      .select({
        id: tasks.id,
        key: tasks.key,
        name: tasks.name,
        state: tasks.state,
        priority: tasks.priority,
        progress: tasks.progress,
        // The graph's critical path weighs finished tasks by their actual duration.
        startedAt: tasks.startedAt,
        finishedAt: tasks.finishedAt,
        agentId: tasks.agentId,
        agentName: agents.name,
      })
      .from(tasks)
      .leftJoin(agents, eq(agents.id, tasks.agentId))
      .where(eq(tasks.workflowId, id))
      .orderBy(asc(tasks.createdAt), asc(tasks.key)),
    db
      .select({ from: taskDependencies.dependsOnId, to: taskDependencies.taskId })
      .from(taskDependencies)
      .innerJoin(tasks, eq(tasks.id, taskDependencies.taskId))
      .where(eq(tasks.workflowId, id)),
  ]);
  return { ...workflow, tasks: members, edges };
}

// The regex keeps the microseconds a Date would lose; pgTimestamp refuses a 30 February or a
// year 0, which PostgreSQL would answer with an error.
const cursorSchema = z.strictObject({
  at: pgTimestamp().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
  id: z.uuid(),
});

function encodeCursor(cursor: z.infer<typeof cursorSchema>): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The cursor's position, or null if it is not one `listTasks` made. */
function decodeCursor(cursor: string): z.infer<typeof cursorSchema> | null {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString());
  } catch {
    // Not base64 of JSON: not a cursor of ours, like any other malformed one.
    return null;
  }
  const parsed = cursorSchema.safeParse(decoded);
  return parsed.success ? parsed.data : null;
}

/** Makes `%`, `_` and the escape character itself match literally in LIKE. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
