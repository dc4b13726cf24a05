import type { RouterInputs, RouterOutputs } from "../client";

/** A task as `agents.claim` hands it out: run it, then report on (id, leaseEpoch). */
export type ClaimedTask = RouterOutputs["agents"]["claim"]["tasks"][number];

export interface ProgressReport {
  /** 0..1 */
  fraction?: number;
  step?: string;
  message?: string;
}

export type LogLevel = RouterInputs["tasks"]["logMany"]["items"][number]["lines"][number]["level"];
/** Structured data beside a log line's message: JSON (up to 64 KiB). */
export type LogFields = Record<string, unknown>;

/**
 * The task's log (tasks.logMany): lines are buffered and sent in batches with the worker's
 * reports, each before the task's outcome. Never throws and never waits; a line the server
 * refuses (a lost lease) is reported as an `error` event.
 */
export interface TaskLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface TaskContext {
  agentId: string;
  /**
   * Aborted when the worker no longer holds the task: the lease was lost (expired, task
   * cancelled) or `stop()`'s grace ran out. Its result would be refused; stop early.
   */
  signal: AbortSignal;
  /**
   * Reports progress and extends the lease. Network trouble is reported as an `error` event
   * and swallowed (the heartbeat extends the lease too); a lost lease rejects with
   * LeaseLostError.
   */
  progress(report: ProgressReport): Promise<void>;
  /** This attempt's log, shown live on the task's page. */
  log: TaskLogger;
}

/** Resolves with the task's result (JSON); throws to fail it (see NonRetryableError). */
export type TaskHandler = (task: ClaimedTask, ctx: TaskContext) => Promise<unknown>;

export interface AgentWorkerOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An `agent` token. */
  token: string;
  /** With the token, identifies the agent: run one worker per (token, name). */
  name: string;
  capabilities?: string[];
  /** This agent's amount of each agent-scoped resource, e.g. `{ cpu: 8 }`. */
  capacity?: Record<string, number>;
  metadata?: Record<string, string | number | boolean | null>;
  /** Handlers by task type. A task of a type not listed fails, not retryable. */
  handlers: Record<string, TaskHandler>;
  /** Tasks run at once (default 1). */
  concurrency?: number;
  /** Most tasks one claim asks for (default: concurrency, at most 100). */
  claimBatch?: number;
  /** How long a claim long-polls for work (default 20 000 ms). */
  waitMs?: number;
  /**
   * Heartbeat period, seconds (default 10). Keep it well under the tasks' lease. A lease two
   * heartbeats in a row list for a task the worker never saw (a claim that committed but whose
   * answer was lost) is handed back to the queue (`requeued` event, reason `orphaned`).
   */
  heartbeatS?: number;
  /** How long a finished task's report waits for others to share its request (default 2 ms). */
  completeBatchMs?: number;
  /**
   * Let each completeMany also claim, for this agent, up to as many tasks as it completes
   * (default true): a chain's next task comes back with its parent's completion, with no
   * long-poll wake-up and no second round trip. A finished task's slot waits for that answer.
   */
  claimOnComplete?: boolean;
  /** Most reports per completeMany/failMany request (default 500; the server takes 1000). */
  completeBatchSize?: number;
  /** Most log lines per tasks.logMany request (default 5 000). */
  logBatchLines?: number;
  /**
   * Also send what handlers write with console.debug/log/info/warn/error to their task's log
   * (default false). Output still goes to the console too; calls outside handlers are ignored.
   */
  captureConsole?: boolean;
  fetch?: typeof fetch;
}

/** `at`: epoch milliseconds, sub-millisecond precision (performance.timeOrigin + now()). */
export interface AgentWorkerEvents extends Record<string, unknown> {
  registered: { agentId: string; at: number };
  /**
   * A claim (or a completeMany, see claimOnComplete) returned these tasks; their handlers
   * start right after.
   */
  claimed: { tasks: ClaimedTask[]; at: number };
  /** The server accepted the task's result. */
  completed: { task: ClaimedTask; result: unknown; at: number };
  /** The server accepted the task's failure; `retryable` tells whether it may run again. */
  failed: { task: ClaimedTask; error: unknown; retryable: boolean; at: number };
  /**
   * The worker handed these leases back to the queue (tasks.requeue: not a failure, no attempt
   * spent). `orphaned`: the agent held them for tasks the worker never saw, leased by a claim
   * whose answer was lost (see heartbeatS); `stop`: stop() gave them up.
   */
  requeued: {
    leases: { taskId: string; leaseEpoch: number }[];
    reason: "orphaned" | "stop";
    at: number;
  };
  /** Something went wrong that the worker handled (retried, or gave up on one task). */
  error: { error: unknown; during: WorkerActivity; taskId?: string; at: number };
}

export type WorkerActivity =
  | "register"
  | "claim"
  | "complete"
  | "fail"
  | "progress"
  | "log"
  | "heartbeat"
  | "stop";
