import { eq, inArray, sql } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { taskDependencies, tasks } from "@/db/schema/tasks";
import { isTerminal, type TaskState } from "@/lib/tasks/states";
import { DomainError } from "@/server/errors";
import { type NewEvent, notifyQueue, recordEvents } from "@/server/events/record";
import { registerConcurrencyKeys } from "./concurrency-keys";
import type { SubmitTaskParams } from "./inputs";
import { readiedEvent } from "./ready";
import { assertSatisfiable } from "./requirements";
import { type TaskRow, taskValues } from "./rows";
import { newTaskId } from "./task-id";

export interface SubmitTaskResult {
  task: TaskRow;
  /** false when the idempotency key named an existing task: nothing was written. */
  created: boolean;
}

/** Submits one task, blocked on `dependsOn` until they finish (docs/architecture.md "Task states"). */
export async function submitTask(
  db: Database,
  params: SubmitTaskParams,
  actor: { tokenId: string | null },
): Promise<SubmitTaskResult> {
  return db.transaction(async (tx) => {
    const existing = await findByIdempotencyKey(tx, params.idempotencyKey);
    if (existing) return { task: existing, created: false };
    await assertSatisfiable(tx, [{ label: "task", requires: params.requires }]);
    const start = await initialState(tx, params.dependsOn, params.triggerRule);
    // After initialState's share locks on upstream tasks: a claim holding one of them may be
    // waiting for this key's row, so taking the key first could deadlock.
    await registerConcurrencyKeys(tx, [{ label: "concurrency", concurrency: params.concurrency }]);
    // Ready at once: a task with a waitFor waits for its signal instead of being queued.
    const state: TaskState = start.state === "queued" && params.waitFor ? "waiting" : start.state;
    const now = new Date();

    const [task] = await tx
      .insert(tasks)
      .values({
        id: newTaskId(),
        ...taskValues(params),
        state,
        pendingDeps: start.pendingDeps,
        idempotencyKey: params.idempotencyKey ?? null,
        parentTaskId: params.parentTaskId ?? null,
        createdBy: actor.tokenId,
        queuedAt: state === "queued" ? now : null,
        waitingSince: state === "waiting" ? now : null,
        waitDeadline:
          state === "waiting" && params.waitFor?.timeoutS
            ? new Date(now.getTime() + params.waitFor.timeoutS * 1000)
            : null,
        cancelReason: state === "cancelled" ? "upstream_failed" : null,
        finishedAt: state === "cancelled" ? now : null,
      })
      .onConflictDoNothing({
        target: tasks.idempotencyKey,
        where: sql`${tasks.idempotencyKey} is not null`,
      })
      .returning();
    if (!task) {
      // A concurrent call with the same key won the insert; its task is the answer.
      const winner = await findByIdempotencyKey(tx, params.idempotencyKey);
      if (!winner) throw new Error("idempotency conflict without an existing task");
      return { task: winner, created: false };
    }
    const deps = [...new Set(params.dependsOn)];
    if (deps.length > 0) {
      await tx
        .insert(taskDependencies)
        .values(deps.map((dependsOnId) => ({ taskId: task.id, dependsOnId })));
    }
    const events: NewEvent[] = [submittedEvent(task)];
    if (task.state === "waiting") events.push(waitingAtSubmit(task));
    await recordEvents(tx, events);
    if (task.state === "queued") await notifyQueue(tx);
    return { task, created: true };
  });
}

async function findByIdempotencyKey(tx: Transaction, key: string | undefined) {
  if (!key) return undefined;
  const [row] = await tx.select().from(tasks).where(eq(tasks.idempotencyKey, key));
  return row;
}

/**
 * Counts the dependencies still to wait for. The upstream rows are locked FOR SHARE: an upstream
 * finishing concurrently waits for this transaction, then sees the new edge and releases this
 * task — otherwise its release could miss an edge not yet committed and leave it blocked forever.
 */
async function initialState(
  tx: Transaction,
  dependsOn: readonly string[],
  triggerRule: "all_success" | "all_done",
): Promise<{ state: TaskState; pendingDeps: number }> {
  const ids = [...new Set(dependsOn)];
  if (ids.length === 0) return { state: "queued", pendingDeps: 0 };
  const upstream = await tx
    .select({ id: tasks.id, state: tasks.state })
    .from(tasks)
    .where(inArray(tasks.id, ids))
    .for("share");
  if (upstream.length < ids.length) {
    const found = new Set(upstream.map((row) => row.id));
    const missing = ids.filter((id) => !found.has(id));
    throw new DomainError("BAD_REQUEST", `dependsOn: unknown task ids ${missing.join(", ")}`);
  }
  const endedBadly = upstream.some((row) => row.state === "failed" || row.state === "cancelled");
  if (endedBadly && triggerRule === "all_success") return { state: "cancelled", pendingDeps: 0 };
  const pendingDeps = upstream.filter((row) => !isTerminal(row.state)).length;
  return { state: pendingDeps > 0 ? "blocked" : "queued", pendingDeps };
}

/** `task.waiting` for a task that waits from its submission (no dependencies to wait for). */
export function waitingAtSubmit(task: {
  id: string;
  workflowId: string | null;
  waitSignal: string | null;
  waitDeadline: Date | string | null;
}): NewEvent {
  return readiedEvent(
    {
      id: task.id,
      workflow_id: task.workflowId,
      state: "waiting",
      wait_signal: task.waitSignal,
      wait_deadline: task.waitDeadline,
    },
    null,
  );
}

export function submittedEvent(
  task: Pick<TaskRow, "id" | "workflowId" | "state" | "name" | "type" | "priority">,
): NewEvent {
  return {
    kind: "task.submitted",
    taskId: task.id,
    workflowId: task.workflowId,
    toState: task.state,
    data: { name: task.name, type: task.type, priority: task.priority },
  };
}
