import type { RouterInputs, TaskManagerTrpc } from "../client";
import { errorCode, serializeError } from "../errors";
import { retryTransient } from "./backoff";
import { Batcher } from "./batcher";
import type { TypedEmitter } from "./events";
import type { AgentWorkerEvents, ClaimedTask, WorkerActivity } from "./types";

/** What the API accepts as a result or error: JSON. */
type Json = RouterInputs["tasks"]["failMany"]["items"][number]["error"];

interface CompleteReport {
  task: ClaimedTask;
  result: unknown;
}

interface FailReport {
  task: ClaimedTask;
  error: unknown;
  retryable: boolean;
}

export interface ReportsParams {
  trpc: TaskManagerTrpc;
  agentId: () => string;
  events: TypedEmitter<AgentWorkerEvents>;
  /** Aborted when stop() gives up retrying reports the server cannot be reached for. */
  giveUp: AbortSignal;
  delayMs: number;
  maxBatch: number;
  /** Sends log lines logged so far: a task's lines must reach the server before its outcome. */
  beforeSend?: () => Promise<void>;
  /** See BatcherOptions.sendNow. */
  sendNow?: () => boolean;
  /** A batch of reports has been handled: the backlog and `completing` have shrunk. */
  onHandled?: () => void;
  /**
   * How many tasks a completeMany of `completing` tasks may claim for the agent (their slots
   * are kept free for it), and where those tasks go. Without it completions claim nothing.
   */
  claimOnComplete?: {
    slots: (completing: number) => number;
    run: (tasks: ClaimedTask[], at: number) => void;
    /** Wraps each completeMany that claims, and the handing out of its answer (orphans.ts). */
    granting: <T>(call: () => Promise<T>) => Promise<T>;
  };
}

export type Reports = ReturnType<typeof createReports>;

export const now = () => performance.timeOrigin + performance.now();

/**
 * Sends finished tasks' outcomes in batches (tasks.completeMany / failMany), each item still
 * fenced by its lease. Transient failures are retried; a batch the server rejects outright
 * (e.g. one result too large) is split, so one bad item cannot sink the others.
 */
export function createReports(params: ReportsParams) {
  const { trpc, events } = params;
  const emitError = (error: unknown, during: WorkerActivity, taskId?: string) =>
    events.emit("error", { error, during, taskId, at: now() });
  const retry = <T>(call: () => Promise<T>, during: WorkerActivity) =>
    retryTransient(call, { signal: params.giveUp, onError: (error) => emitError(error, during) });

  async function sendCompletions(batch: CompleteReport[]): Promise<void> {
    await params.beforeSend?.();
    const claim = params.claimOnComplete?.slots(batch.length) ?? 0;
    const granting =
      claim > 0 && params.claimOnComplete
        ? params.claimOnComplete.granting
        : <T>(call: () => Promise<T>) => call();
    try {
      await granting(async () => {
        const { results, tasks } = await retry(
          () =>
            trpc.tasks.completeMany.mutate({
              agentId: params.agentId(),
              items: batch.map(({ task, result }) => ({
                taskId: task.id,
                leaseEpoch: task.leaseEpoch,
                result: result as Json,
              })),
              ...(claim > 0 ? { claim } : {}),
            }),
          "complete",
        );
        const at = now();
        const outcomes = new Map(results.map((outcome) => [outcome.taskId, outcome]));
        for (const { task, result } of batch) {
          const outcome = outcomes.get(task.id);
          if (outcome?.ok) events.emit("completed", { task, result, at });
          else emitError(refusal(outcome), "complete", task.id);
        }
        // Before this batch counts as handled, which gives back the slots kept for these tasks.
        // (An older server answers without `tasks`.)
        if (tasks && tasks.length > 0) params.claimOnComplete?.run(tasks, at);
      });
    } catch (error) {
      if (params.giveUp.aborted || batch.length === 1) {
        for (const { task } of batch) emitError(error, "complete", task.id);
        // A result the server will never take must not leave the task running until its
        // lease expires: fail it for good, with the reason.
        const only = batch[0];
        if (!params.giveUp.aborted && only && errorCode(error) !== undefined) {
          failures.push({ task: only.task, error: serializeError(error), retryable: false });
        }
        return;
      }
      for (const report of batch) await sendCompletions([report]);
    }
  }

  async function sendFailures(batch: FailReport[]): Promise<void> {
    await params.beforeSend?.();
    try {
      const { results } = await retry(
        () =>
          trpc.tasks.failMany.mutate({
            agentId: params.agentId(),
            items: batch.map(({ task, error, retryable }) => ({
              taskId: task.id,
              leaseEpoch: task.leaseEpoch,
              error: error as Json,
              retryable,
            })),
          }),
        "fail",
      );
      const at = now();
      const outcomes = new Map(results.map((outcome) => [outcome.taskId, outcome]));
      for (const { task, error, retryable } of batch) {
        const outcome = outcomes.get(task.id);
        if (outcome?.ok) events.emit("failed", { task, error, retryable, at });
        else emitError(refusal(outcome), "fail", task.id);
      }
    } catch (error) {
      if (params.giveUp.aborted || batch.length === 1) {
        for (const { task } of batch) emitError(error, "fail", task.id);
        return;
      }
      for (const report of batch) await sendFailures([report]);
    }
  }

  const batcherOptions = {
    delayMs: params.delayMs,
    maxBatch: params.maxBatch,
    sendNow: params.sendNow,
    onHandled: params.onHandled,
  };
  const completions = new Batcher<CompleteReport>({ ...batcherOptions, send: sendCompletions });
  const failures = new Batcher<FailReport>({ ...batcherOptions, send: sendFailures });

  return {
    complete(task: ClaimedTask, result: unknown): void {
      // Checked here, where the task is known: inside a batch it would fail the whole request.
      try {
        JSON.stringify(result);
      } catch (error) {
        failures.push({ task, error: serializeError(error), retryable: false });
        return;
      }
      completions.push({ task, result });
    },
    fail(task: ClaimedTask, error: unknown, retryable: boolean): void {
      failures.push({ task, error: serializeError(error), retryable });
    },
    /** Completions not yet acknowledged: each keeps its task's slot for the claim it carries. */
    get completing(): number {
      return completions.size;
    },
    /** Failures not yet acknowledged: each keeps its task's slot (see the worker's claim loop). */
    get failing(): number {
      return failures.size;
    },
    /** Reports not yet acknowledged by the server. */
    get backlog(): number {
      return completions.size + failures.size;
    },
    /** The tasks of the reports not yet acknowledged: the server may still list their leases. */
    *unacknowledged(): Iterable<ClaimedTask> {
      for (const { task } of completions.unacknowledged()) yield task;
      for (const { task } of failures.unacknowledged()) yield task;
    },
    /** Completions first: a task that failed to complete is then failed in the same drain. */
    async drain(): Promise<void> {
      await completions.drain();
      await failures.drain();
      await completions.drain();
    },
  };
}

function refusal(outcome: { ok: false; code: string; message: string } | { ok: true } | undefined) {
  if (!outcome) return new Error("the server returned no outcome for this task");
  if (outcome.ok) return new Error("unexpected success");
  return Object.assign(new Error(outcome.message), { code: outcome.code });
}
