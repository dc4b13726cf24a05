import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Transaction } from "@/db/client";
import { mapRows, queryRows } from "@/db/rows";
import type { Principal } from "@/server/auth/roles";
import { DomainError, notFound } from "@/server/errors";
import { recordEvents } from "@/server/events/record";
import { pgText, resultJson } from "@/server/validation";
import { signalName } from "./inputs";
import { endedAttempt, endedColumns, settleEndedAttempts } from "./settle";

/** `tasks.signal`: the task by id, or by its workflow and key. */
export const signalTaskInput = z
  .strictObject({
    taskId: z.uuid().optional(),
    workflowId: z.uuid().optional(),
    key: pgText().trim().min(1).max(200).optional(),
    signal: signalName,
    /** `succeed`: the payload becomes the task's result. `fail`: the task fails for good. */
    outcome: z.enum(["succeed", "fail"]).default("succeed"),
    /** At most `limits.result_bytes` of JSON. */
    payload: resultJson().optional(),
    /** Why it failed (`fail`), kept in the task's error; or a note with the signal (`succeed`). */
    reason: pgText().trim().min(1).max(2000).optional(),
  })
  .superRefine((input, ctx) => {
    const byId = input.taskId !== undefined;
    const byKey = input.workflowId !== undefined || input.key !== undefined;
    if (byId === byKey || (byKey && (input.workflowId === undefined || input.key === undefined)))
      ctx.addIssue({
        code: "custom",
        path: ["taskId"],
        message: "give either taskId, or workflowId and key",
      });
  });

export type SignalTaskParams = z.output<typeof signalTaskInput>;

export interface SignalResult {
  taskId: string;
  workflowId: string | null;
  state: "succeeded" | "failed";
}

const targetRow = z.object({
  id: z.string(),
  workflow_id: z.string().nullable(),
  name: z.string(),
  state: z.string(),
  wait_signal: z.string().nullable(),
});
type Target = z.output<typeof targetRow>;

/**
 * Resolves a waiting task (docs/architecture.md "Task states"): `succeed` ends it as an agent's
 * completion would (the payload is its result, dependents released), `fail` ends it failed for
 * good (no retry: the trigger rules of its dependents apply). The row is locked first, so of two
 * signals racing for one task the second reads the first's outcome and is refused (CONFLICT).
 */
export async function signalTask(
  db: Database,
  params: SignalTaskParams,
  principal: Principal,
): Promise<SignalResult> {
  return db.transaction(async (tx) => {
    const target = await lockTarget(tx, params);
    // Before NOT_FOUND: an agent learns nothing of tasks outside the workflows it works in.
    if (principal.role === "agent") await assertAgentInWorkflow(tx, principal, target);
    if (!target) throw notFoundError(params);
    if (target.state !== "waiting" || target.wait_signal !== params.signal) {
      throw new DomainError("CONFLICT", notWaitingMessage(target, params.signal));
    }
    const by = principal.tokenName;
    const succeed = params.outcome === "succeed";
    const error = sql`jsonb_strip_nulls(jsonb_build_object('code', 'signal_failed',
      'message', ${params.reason ?? `failed by signal "${params.signal}"`}::text,
      'signal', ${params.signal}::text, 'by', ${by}::text,
      'payload', ${params.payload === undefined ? null : JSON.stringify(params.payload)}::jsonb))`;
    const set: SQL = succeed
      ? sql`state = 'succeeded', result = ${JSON.stringify(params.payload ?? null)}::jsonb,
          progress = 1`
      : sql`state = 'failed', error = ${error}`;
    const ended = await mapRows(
      tx,
      "end a wait",
      endedAttempt,
      sql`
      update tasks t set ${set}, finished_at = now(), wait_deadline = null, updated_at = now()
      where t.id = ${target.id} and t.state = 'waiting'
      returning ${endedColumns(sql`'waiting'::task_state`)}`,
    );
    await recordEvents(tx, [
      {
        kind: "task.signalled",
        taskId: target.id,
        workflowId: target.workflow_id,
        data: {
          signal: params.signal,
          outcome: params.outcome,
          by,
          ...(params.reason ? { reason: params.reason } : {}),
        },
      },
    ]);
    await settleEndedAttempts(tx, ended, () => ({ signal: params.signal, by }));
    return {
      taskId: target.id,
      workflowId: target.workflow_id,
      state: succeed ? ("succeeded" as const) : ("failed" as const),
    };
  });
}

async function lockTarget(tx: Transaction, params: SignalTaskParams): Promise<Target | undefined> {
  const where = params.taskId
    ? sql`id = ${params.taskId}`
    : sql`workflow_id = ${params.workflowId ?? null} and key = ${params.key ?? null}`;
  const [row] = await queryRows(
    tx,
    "signal target",
    targetRow,
    sql`
    select id, workflow_id, name, state, wait_signal from tasks where ${where} for update`,
  );
  return row;
}

function notFoundError(params: SignalTaskParams) {
  return notFound(
    params.taskId
      ? `task ${params.taskId}`
      : `task with key ${JSON.stringify(params.key)} in workflow ${params.workflowId}`,
  );
}

/**
 * An agent may signal only tasks of a workflow in which it holds a lease right now: the step
 * before the gate, typically, reporting what the outside world said.
 */
async function assertAgentInWorkflow(
  tx: Transaction,
  principal: Principal,
  target: Target | undefined,
) {
  const [holds] = target?.workflow_id
    ? await queryRows(
        tx,
        "signal allowed for the token",
        z.object({ ok: z.boolean() }),
        sql`
        select true as ok from tasks t join agents a on a.id = t.agent_id
        where t.workflow_id = ${target.workflow_id} and t.state = 'running'
          and a.token_id = ${principal.tokenId}
        limit 1`,
      )
    : [];
  if (!holds) {
    throw new DomainError(
      "FORBIDDEN",
      "an agent may signal only tasks of a workflow in which it runs a task",
    );
  }
}

/** What the task is doing instead of waiting for this signal, for the CONFLICT message. */
export function notWaitingMessage(target: Target, signal: string): string {
  const name = JSON.stringify(target.name);
  if (target.state === "waiting") {
    return `task ${name} is not waiting for signal "${signal}": it waits for signal "${target.wait_signal}"`;
  }
  const gate = target.wait_signal ? ` (it will wait for signal "${target.wait_signal}")` : "";
  const doing: Record<string, string> = {
    blocked: `it is blocked on its dependencies${gate}`,
    queued: "it is queued for an agent and waits for no signal",
    running: "it is running on an agent and waits for no signal",
    succeeded: "it has already succeeded",
    failed: "it has already failed",
    cancelled: "it was cancelled",
  };
  return `task ${name} is not waiting for signal "${signal}": ${doing[target.state] ?? `it is ${target.state}`}`;
}
