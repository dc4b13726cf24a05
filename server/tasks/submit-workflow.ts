import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { taskDependencies, tasks } from "@/db/schema/tasks";
import { workflows } from "@/db/schema/workflows";
import { type NewEvent, notifyQueue, recordEvents } from "@/server/events/record";
import { validateDag } from "./dag";
import type { SubmitWorkflowParams } from "./inputs";
import { assertSatisfiable } from "./requirements";
import { chunks, taskValues } from "./rows";
import { submittedEvent } from "./submit";

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
    const idByKey = new Map(params.tasks.map((task) => [task.key, randomUUID()]));
    const now = new Date();
    const rows = params.tasks.map((task) => {
      const pendingDeps = new Set(task.dependsOn).size;
      return {
        ...taskValues(task),
        id: idByKey.get(task.key),
        workflowId: workflow.id,
        key: task.key,
        state: pendingDeps > 0 ? ("blocked" as const) : ("queued" as const),
        pendingDeps,
        queuedAt: pendingDeps > 0 ? null : now,
        createdBy: actor.tokenId,
      };
    });
    const inserted = [];
    for (const batch of chunks(rows, 1000))
      inserted.push(...(await tx.insert(tasks).values(batch).returning()));

    const edges = params.tasks.flatMap((task) =>
      [...new Set(task.dependsOn)].map((dep) => ({
        taskId: idByKey.get(task.key) as string,
        dependsOnId: idByKey.get(dep) as string,
      })),
    );
    for (const batch of chunks(edges, 10_000)) await tx.insert(taskDependencies).values(batch);

    const events: NewEvent[] = [
      {
        kind: "workflow.submitted",
        workflowId: workflow.id,
        data: { name: workflow.name, tasks: rows.length },
      },
      ...inserted.map(submittedEvent),
    ];
    for (const batch of chunks(events, 2000)) await recordEvents(tx, batch);
    if (inserted.some((task) => task.state === "queued")) await notifyQueue(tx);
    return {
      workflow,
      tasks: inserted.map((task) => ({ key: task.key ?? "", id: task.id, state: task.state })),
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
