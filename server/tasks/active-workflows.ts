import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { taskStateEnum } from "@/db/schema/tasks";
import type { TaskState } from "@/lib/tasks/states";
import { isoTime, uuidArray } from "./sql";

export const activeWorkflowsInput = z
  .strictObject({
    /** Workflows to return at most. */
    limit: z.number().int().min(1).max(24).default(6),
    /** Tasks per workflow at most: a wall shows small graphs, not a 10 000-task DAG. */
    tasksPerWorkflow: z.number().int().min(1).max(100).default(30),
  })
  .prefault({});

export type ActiveWorkflowsParams = z.input<typeof activeWorkflowsInput>;

const activeWorkflowTask = z.object({
  id: z.string(),
  key: z.string().nullable(),
  name: z.string(),
  state: z.enum(taskStateEnum.enumValues),
  progress: z.number().nullable(),
});
export type ActiveWorkflowTask = z.output<typeof activeWorkflowTask>;

export interface ActiveWorkflow {
  id: string;
  name: string;
  createdAt: string;
  /** Every task of the workflow by state, including those left out of `tasks`. */
  counts: Partial<Record<TaskState, number>>;
  taskCount: number;
  /** At most `tasksPerWorkflow`: the active ones first, so a large DAG shows its frontier. */
  tasks: ActiveWorkflowTask[];
  /** Edges between the returned tasks only (`from` must finish before `to`). */
  edges: { from: string; to: string }[];
}

/**
 * Workflows with work still to do (a task blocked, waiting, queued or running), those with running tasks
 * first, then newest first; each with a bounded sample of its tasks and the edges among them.
 * The search starts from the live tasks (tasks_state_created_idx), which the live workload
 * bounds, rather than from workflows, which grow without end.
 */
export async function activeWorkflows(
  db: Executor,
  input: ActiveWorkflowsParams,
): Promise<ActiveWorkflow[]> {
  const params = activeWorkflowsInput.parse(input);
  const heads = await queryRows(
    db,
    "active workflows",
    z.object({ id: z.string(), name: z.string(), createdAt: z.string() }),
    sql`
    with live as (
      select workflow_id, bool_or(state = 'running') as running
      from tasks
      where state in ('blocked', 'waiting', 'queued', 'running') and workflow_id is not null
      group by workflow_id
    )
    select w.id, w.name, ${isoTime(sql`w.created_at`)} as "createdAt"
    from live join workflows w on w.id = live.workflow_id
    order by live.running desc, w.created_at desc, w.id
    limit ${params.limit}`,
  );
  if (heads.length === 0) return [];
  const ids = heads.map((w) => w.id);

  const [counts, sample] = await Promise.all([
    queryRows(
      db,
      "active workflow counts",
      z.object({
        workflowId: z.string(),
        state: z.enum(taskStateEnum.enumValues),
        count: z.number(),
      }),
      sql`
      select workflow_id as "workflowId", state, count(*)::int as count
      from tasks where workflow_id = any(${uuidArray(ids)})
      group by workflow_id, state`,
    ),
    queryRows(
      db,
      "active workflow tasks",
      activeWorkflowTask.extend({ workflowId: z.string() }),
      sql`
      select wf.id as "workflowId", t.id, t.key, t.name, t.state, t.progress
      from unnest(${uuidArray(ids)}) as wf(id)
      cross join lateral (
        select id, key, name, state, progress from tasks
        where workflow_id = wf.id
        order by
          case state when 'running' then 0 when 'queued' then 1 when 'waiting' then 1
            when 'failed' then 2
            when 'blocked' then 3 else 4 end,
          created_at, key, id
        limit ${params.tasksPerWorkflow}
      ) t`,
    ),
  ]);
  const sampleIds = sample.map((t) => t.id);
  const edges =
    sampleIds.length === 0
      ? []
      : await queryRows(
          db,
          "active workflow edges",
          z.object({ from: z.string(), to: z.string() }),
          sql`
          select depends_on_id as "from", task_id as "to" from task_dependencies
          where task_id = any(${uuidArray(sampleIds)})
            and depends_on_id = any(${uuidArray(sampleIds)})`,
        );

  const workflowOf = new Map(sample.map((t) => [t.id, t.workflowId]));
  return heads.map((head) => {
    const byState: ActiveWorkflow["counts"] = {};
    let taskCount = 0;
    for (const row of counts) {
      if (row.workflowId !== head.id) continue;
      byState[row.state] = row.count;
      taskCount += row.count;
    }
    return {
      id: head.id,
      name: head.name,
      createdAt: head.createdAt,
      counts: byState,
      taskCount,
      tasks: sample
        .filter((t) => t.workflowId === head.id)
        .map(({ workflowId: _, ...task }) => task),
      edges: edges
        .filter((e) => workflowOf.get(e.to) === head.id)
        .map((e) => ({ from: e.from, to: e.to })),
    };
  });
}
