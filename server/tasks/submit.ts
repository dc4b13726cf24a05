import { eq, inArray, sql } from "drizzle-orm";
import type { Executor, Transaction } from "@/db/client";
import { oneTripTransaction } from "@/db/one-trip-transaction";
import { tableRows } from "@/db/rows";
import { taskDependencies, tasks } from "@/db/schema/tasks";
import { isTerminal, type TaskState } from "@/lib/tasks/states";
import { DomainError } from "@/server/errors";
import {
  type NewEvent,
  notifyQueue,
  notifyQueueQuery,
  recordEvents,
  recordEventsQuery,
} from "@/server/events/record";
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
  db: Executor,
  params: SubmitTaskParams,
  actor: { tokenId: string | null },
): Promise<SubmitTaskResult> {
  if (isPlain(params)) {
    const submitted = await submitInOneTrip(db, params, actor);
    if (submitted) return submitted;
  }
  return db.transaction(async (tx) => {
    const existing = await findByIdempotencyKey(tx, params.idempotencyKey);
    if (existing) return { task: existing, created: false };
    await assertSatisfiable(tx, [{ label: "task", requires: params.requires }]);
    const start = await initialState(tx, params.dependsOn, params.triggerRule);
    // After initialState's share locks on upstream tasks: a claim holding one of them may be
    // waiting for this key's row, so taking the key first could deadlock.
    await registerConcurrencyKeys(tx, [{ label: "concurrency", concurrency: params.concurrency }]);
    const [task] = await tx
      .insert(tasks)
      .values(newTaskRow(params, start, actor))
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
    await recordEvents(tx, eventsAtSubmit(task));
    if (task.state === "queued") await notifyQueue(tx);
    return { task, created: true };
  });
}

/**
 * Nothing to read before the insert: no idempotency key (an existing task would answer), no
 * dependencies (their states decide the start), no resources (checked against the pools) and no
 * concurrency key (its row is registered first).
 */
function isPlain(params: SubmitTaskParams): boolean {
  return (
    params.idempotencyKey === undefined &&
    params.dependsOn.length === 0 &&
    Object.keys(params.requires).length === 0 &&
    params.concurrency === undefined
  );
}

/**
 * A plain task's submission in one round trip (db/one-trip-transaction.ts): BEGIN, the insert,
 * its events with their NOTIFY, the queue's NOTIFY and COMMIT are written together. The
 * transaction above waits for each in turn, five round trips, and a lone submit usually finds
 * PostgreSQL idle, where a round trip cost 1–3 ms on the benchmark's machine: a live page
 * showed the new task 8–35 ms after its transaction began, 4–8 ms this way.
 *
 * Undefined when it cannot run so (inside a caller's transaction: a schedule's fire; statements
 * unprepared): the transaction does it.
 */
async function submitInOneTrip(
  db: Executor,
  params: SubmitTaskParams,
  actor: { tokenId: string | null },
): Promise<SubmitTaskResult | undefined> {
  const values = newTaskRow(params, { state: "queued", pendingDeps: 0 }, actor);
  const statements = [
    db.insert(tasks).values(values).returning().getSQL(),
    recordEventsQuery(eventsAtSubmit({ ...values, workflowId: null })),
  ];
  if (values.state === "queued") statements.push(notifyQueueQuery());
  const outcome = await oneTripTransaction(db, statements);
  if (!outcome) return undefined;
  const failure = outcome.results.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
  const inserted = outcome.results[0];
  const [task] = inserted?.status === "fulfilled" ? tableRows(tasks, inserted.value) : [];
  if (!outcome.committed || !task) throw new Error("a task's one-trip submission did not commit");
  return { task, created: true };
}

/** A new task's row, from its spec and the state its dependencies (if any) start it in. */
function newTaskRow(
  params: SubmitTaskParams,
  start: { state: TaskState; pendingDeps: number },
  actor: { tokenId: string | null },
) {
  // Ready at once: a task with a waitFor waits for its signal instead of being queued.
  const state: TaskState = start.state === "queued" && params.waitFor ? "waiting" : start.state;
  const now = new Date();
  return {
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
  };
}

/** `task.submitted`, and `task.waiting` for a task that waits for a signal from the start. */
function eventsAtSubmit(
  task: Parameters<typeof submittedEvent>[0] & Parameters<typeof waitingAtSubmit>[0],
) {
  const events: NewEvent[] = [submittedEvent(task)];
  if (task.state === "waiting") events.push(waitingAtSubmit(task));
  return events;
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
