import { eq, sql } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { type ColumnReader, mapRows, type RawRow } from "@/db/rows";
import { taskStateEnum, tasks } from "@/db/schema/tasks";
import { workflows } from "@/db/schema/workflows";
import { type NewEvent, notifyQueue, recordEvents } from "@/server/events/record";
import { registerConcurrencyKeys } from "./concurrency-keys";
import { validateDag } from "./dag";
import type { SubmitWorkflowParams } from "./inputs";
import { readyColumns } from "./ready";
import { assertSatisfiable } from "./requirements";
import { chunks, taskValues } from "./rows";
import { submittedEvent, waitingAtSubmit } from "./submit";
import { newTaskId } from "./task-id";

export interface SubmitWorkflowResult {
  workflow: typeof workflows.$inferSelect;
  /** Each submitted key with the id it got. */
  tasks: { key: string; id: string; state: string }[];
  created: boolean;
}

/**
 * Submits a whole DAG atomically: every check (graph, resources) runs before the first write,
 * and the writes share one transaction, so a rejected workflow leaves nothing behind.
 */
export async function submitWorkflow(
  db: Database,
  params: SubmitWorkflowParams,
  actor: { tokenId: string | null },
): Promise<SubmitWorkflowResult> {
  validateDag(params.tasks);
  return db.transaction(async (tx) => {
    const existing = await findExisting(tx, params.idempotencyKey);
    if (existing) return existing;
    await assertSatisfiable(
      tx,
      params.tasks.map((task, index) => ({
        label: `tasks[${index}] (key ${JSON.stringify(task.key)})`,
        requires: task.requires,
      })),
    );
    await registerConcurrencyKeys(
      tx,
      params.tasks.map((task, index) => ({
        label: `tasks[${index}].concurrency`,
        concurrency: task.concurrency,
      })),
    );

    const [workflow] = await tx
      .insert(workflows)
      .values({
        name: params.name,
        idempotencyKey: params.idempotencyKey ?? null,
        metadata: params.metadata,
        createdBy: actor.tokenId,
      })
      .onConflictDoNothing({ target: workflows.idempotencyKey })
      .returning();
    if (!workflow) {
      const winner = await findExisting(tx, params.idempotencyKey);
      if (!winner) throw new Error("idempotency conflict without an existing workflow");
      return winner;
    }

    // Ids are made here so edges can be written without reading the tasks back.
    const idByKey = new Map(params.tasks.map((task) => [task.key, newTaskId()]));
    const idOf = (key: string) => idByKey.get(key) ?? "";
    const rows = params.tasks.map((task) => {
      const pendingDeps = new Set(task.dependsOn).size;
      return { ...taskValues(task), id: idOf(task.key), key: task.key, pendingDeps };
    });
    const inserted: ReturnType<typeof insertedTask>[] = [];
    for (const batch of chunks(rows, 5000)) {
      inserted.push(...(await insertTasks(tx, batch, workflow.id, actor.tokenId)));
    }
    const edges = params.tasks.flatMap((task) =>
      [...new Set(task.dependsOn)].map((dep) => ({
        taskId: idOf(task.key),
        dependsOnId: idOf(dep),
      })),
    );
    for (const batch of chunks(edges, 20_000)) {
      await tx.execute(sql`
        insert into task_dependencies (task_id, depends_on_id)
        select "taskId", "dependsOnId" from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb)
          as v("taskId" uuid, "dependsOnId" uuid)`);
    }

    const events: NewEvent[] = [
      {
        kind: "workflow.submitted",
        workflowId: workflow.id,
        data: { name: workflow.name, tasks: rows.length },
      },
      ...inserted.map((task) => submittedEvent({ ...task, workflowId: workflow.id })),
      ...inserted
        .filter((task) => task.state === "waiting")
        .map((task) => waitingAtSubmit({ ...task, workflowId: workflow.id })),
    ];
    for (const batch of chunks(events, 5000)) await recordEvents(tx, batch);
    if (inserted.some((task) => task.state === "queued")) await notifyQueue(tx);
    return {
      workflow,
      tasks: inserted.map((task) => ({ key: task.key, id: task.id, state: task.state })),
      created: true,
    };
  });
}

async function findExisting(
  tx: Transaction,
  key: string | undefined,
): Promise<SubmitWorkflowResult | undefined> {
  if (!key) return undefined;
  const [workflow] = await tx.select().from(workflows).where(eq(workflows.idempotencyKey, key));
  if (!workflow) return undefined;
  const rows = await tx
    .select({ key: tasks.key, id: tasks.id, state: tasks.state })
    .from(tasks)
    .where(eq(tasks.workflowId, workflow.id));
  return { workflow, tasks: rows.map((row) => ({ ...row, key: row.key ?? "" })), created: false };
}

// A mapper, not a zod schema: a workflow inserts up to thousands of tasks at once.
const insertedTask = (row: RawRow, c: ColumnReader) => ({
  id: c.string(row, "id"),
  key: c.string(row, "key"),
  name: c.string(row, "name"),
  type: c.string(row, "type"),
  priority: c.number(row, "priority"),
  state: c.member(row, "state", taskStateEnum.enumValues),
  waitSignal: c.nullableString(row, "waitSignal"),
  waitDeadline: c.nullableString(row, "waitDeadline"),
});

/**
 * Inserts a batch of a workflow's tasks from one JSON parameter: a multi-row VALUES list of
 * thousands of rows costs a parameter per column per row and much client CPU to build.
 * A task without dependencies starts ready (queued, or waiting for its signal); the others wait,
 * blocked, on their counter.
 */
function insertTasks(
  tx: Transaction,
  rows: readonly (ReturnType<typeof taskValues> & {
    id: string;
    key: string;
    pendingDeps: number;
  })[],
  workflowId: string,
  createdBy: string | null,
) {
  const ready = readyColumns(sql`v."waitSignal"`, sql`v."waitTimeoutS"`);
  const blocked = sql`v."pendingDeps" > 0`;
  return mapRows(
    tx,
    "insert workflow tasks",
    insertedTask,
    sql`
    insert into tasks (id, workflow_id, key, name, type, payload, priority, capabilities, requires,
      run_at, timeout_s, lease_s, max_attempts, backoff_base_s, backoff_max_s, trigger_rule,
      wait_signal, wait_timeout_s, pending_deps, state, queued_at, waiting_since, wait_deadline,
      created_by, concurrency_key, concurrency_limit)
    select v.id, ${workflowId}, v.key, v.name, v.type, v.payload, v.priority, v.capabilities,
      v.requires, v."runAt", v."timeoutS", v."leaseS", v."maxAttempts", v."backoffBaseS",
      v."backoffMaxS", v."triggerRule"::trigger_rule, v."waitSignal", v."waitTimeoutS",
      v."pendingDeps",
      case when ${blocked} then 'blocked'::task_state else ${ready.state} end,
      case when ${blocked} then null else ${ready.queuedAt} end,
      case when ${blocked} then null else ${ready.waitingSince} end,
      case when ${blocked} then null else ${ready.waitDeadline} end,
      ${createdBy}, v."concurrencyKey", v."concurrencyLimit"
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id uuid, key text, name text,
      type text, payload jsonb, priority int, capabilities text[], requires jsonb,
      "runAt" timestamptz, "timeoutS" int, "leaseS" int, "maxAttempts" int,
      "backoffBaseS" float8, "backoffMaxS" float8, "triggerRule" text, "waitSignal" text,
      "waitTimeoutS" int, "pendingDeps" int, "concurrencyKey" text, "concurrencyLimit" int)
    returning id, key, name, type, priority, state, wait_signal as "waitSignal",
      wait_deadline as "waitDeadline"`,
  );
}
