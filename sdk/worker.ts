import { createTrpc } from "./client";
import {
  errorCode,
  isNonRetryable,
  isTransient,
  LeaseLostError,
  NonRetryableError,
} from "./errors";
import { abortableSleep, backoffMs, retryTransient } from "./worker/backoff";
import { installConsoleCapture, withConsoleSink } from "./worker/console-capture";
import { TypedEmitter } from "./worker/events";
import { createHeartbeats } from "./worker/heartbeats";
import { createLogShipper } from "./worker/logs";
import { createOrphanWatch } from "./worker/orphans";
import { createReports, now } from "./worker/reports";
import type {
  AgentWorkerEvents,
  AgentWorkerOptions,
  ClaimedTask,
  LogFields,
  LogLevel,
  TaskContext,
  WorkerActivity,
} from "./worker/types";

export type * from "./worker/types";

export interface StopOptions {
  /** How long running handlers may take to finish (default 30 s); the rest fail retryable. */
  graceMs?: number;
  /** How long to keep retrying unsent reports when the server cannot be reached (default 10 s). */
  flushTimeoutMs?: number;
}

export interface AgentWorker {
  /** Registers, then claims and runs tasks until stop(). Resolves once registered. */
  start(): Promise<void>;
  /** Stops claiming, lets running tasks finish (see StopOptions), reports everything, resolves. */
  stop(options?: StopOptions): Promise<void>;
  /** The agent's id; known once start() has resolved. */
  readonly agentId: string;
  /** Handlers running now. */
  readonly running: number;
  readonly events: TypedEmitter<AgentWorkerEvents>;
}

interface RunningTask {
  task: ClaimedTask;
  controller: AbortController;
  claimedAt: number;
  /** The worker gave the task up (lease lost, or stop): whatever the handler returns is dropped. */
  abandoned: boolean;
  done: Promise<void>;
}

const SHUTTING_DOWN = "worker shutting down";

/**
 * An agent's worker loop (docs/architecture.md "API"): register; long-poll `agents.claim` for as
 * many tasks as there are free slots; run each task's handler; report results in batches;
 * heartbeat meanwhile. Network trouble is retried with backoff and reported as `error`
 * events; it never ends the loop.
 */
export function createAgentWorker(options: AgentWorkerOptions): AgentWorker {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const claimBatch = Math.min(1000, Math.max(1, options.claimBatch ?? Math.min(concurrency, 100)));
  const waitMs = options.waitMs ?? 20_000;
  const claimOnComplete = options.claimOnComplete ?? true;
  const heartbeatMs = (options.heartbeatS ?? 10) * 1000;
  // Claiming pauses while this many reports are unacknowledged (the server is unreachable):
  // results must not pile up without bound.
  const maxBacklog = Math.max(1000, concurrency * 2);
  const logBatchLines = Math.max(1, Math.min(10_000, options.logBatchLines ?? 5000));
  // Likewise for log lines: handlers that log faster than the server stores must not fill memory.
  const maxLogBacklog = logBatchLines * 20;

  const trpc = createTrpc({ ...options, batch: false });
  const events = new TypedEmitter<AgentWorkerEvents>();
  // Aborted by stop(): ends registration retries, the long-poll and the claim loop's sleeps.
  const claiming = new AbortController();
  // Aborted when stop() stops retrying reports it cannot deliver.
  const giveUp = new AbortController();
  const running = new Map<string, RunningTask>();
  // Leases the agent holds for tasks the worker never saw (a lost claim answer): see orphans.ts.
  const orphans = createOrphanWatch();
  let agentId: string | undefined;
  let loop: Promise<void> | undefined;
  let leasesToHandBack = false;
  let stopping: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const logs = createLogShipper({
    trpc,
    agentId: () => agentId ?? "",
    events,
    giveUp: giveUp.signal,
    delayMs: options.completeBatchMs ?? 2,
    maxLines: logBatchLines,
    onSent: () => wakeLoop(),
  });
  const reports = createReports({
    trpc,
    agentId: () => agentId ?? "",
    events,
    giveUp: giveUp.signal,
    delayMs: options.completeBatchMs ?? 2,
    maxBatch: Math.min(1000, options.completeBatchSize ?? 500),
    beforeSend: () => logs.flush(),
    // Nothing else running: no other report can join this one within the batch delay.
    sendNow: () => running.size === 0,
    onHandled: () => wakeLoop(),
    claimOnComplete: !claimOnComplete
      ? undefined
      : {
          // A finished task's slot is kept for its completion's claim (see claimLoop's `free`),
          // so the claim and the long-poll together never ask for more than the free slots.
          slots: (completing) => (claiming.signal.aborted ? 0 : completing),
          run: (tasks, at) => {
            events.emit("claimed", { tasks, at });
            for (const task of tasks) {
              // Leased but not started: stop() hands it back with the others.
              if (claiming.signal.aborted || !agentId) leasesToHandBack = true;
              else runTask(agentId, task);
            }
          },
          granting: orphans.granting,
        },
  });
  let removeConsoleCapture: (() => void) | undefined;
  const emitError = (error: unknown, during: WorkerActivity, taskId?: string) =>
    events.emit("error", { error, during, taskId, at: now() });
  const heartbeats = createHeartbeats({
    trpc,
    events,
    intervalMs: heartbeatMs,
    running,
    unacknowledged: () => reports.unacknowledged(),
    orphans,
    stopping: claiming.signal,
    giveUp: giveUp.signal,
    abandon,
    emitError,
  });

  /** Lets the claim loop re-check its slots and backlog. */
  const wakeLoop = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  // A settled report (accepted, refused or given up) shrinks the backlog the loop may wait on.
  events.on("completed", wakeLoop);
  events.on("failed", wakeLoop);
  events.on("error", wakeLoop);

  async function claimLoop(id: string): Promise<void> {
    let failures = 0;
    while (!claiming.signal.aborted) {
      // Slots of finished tasks whose completion is in flight are its claim's (claimOnComplete).
      // A failed task's slot frees once the server has the failure: a claim sent beside it
      // would be chosen as if the attempt had not failed (its retry could come straight back,
      // and an agent whose last attempt failed is dealt the oldest tasks, not the newest).
      const free =
        concurrency - running.size - (claimOnComplete ? reports.completing : 0) - reports.failing;
      if (free <= 0 || reports.backlog >= maxBacklog || logs.backlog >= maxLogBacklog) {
        // Set up synchronously after the check: nothing can wake us in between.
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      // A signal per call: fetch (undici) lets go of its abort listener only when the request
      // is garbage-collected, so one long-lived signal would pile up a listener per claim.
      const call = new AbortController();
      const abortCall = () => call.abort();
      claiming.signal.addEventListener("abort", abortCall, { once: true });
      try {
        const tasks = await orphans.granting(async () => {
          const { tasks } = await trpc.agents.claim.mutate(
            { agentId: id, max: Math.min(free, claimBatch), waitMs },
            { signal: call.signal },
          );
          if (tasks.length > 0) events.emit("claimed", { tasks, at: now() });
          for (const task of tasks) {
            // Leased but not started: stop() hands it back with the others.
            if (claiming.signal.aborted) leasesToHandBack = true;
            else runTask(id, task);
          }
          return tasks;
        });
        failures = 0;
        // Without a long-poll an empty answer would turn this loop into a busy one.
        if (tasks.length === 0 && waitMs === 0) await abortableSleep(500, claiming.signal);
      } catch (error) {
        if (claiming.signal.aborted) {
          leasesToHandBack = true;
          break;
        }
        emitError(error, "claim");
        // A refusal (revoked token, drained agent's owner gone) will not clear up soon.
        const ceiling = isTransient(error) ? 5_000 : 30_000;
        await abortableSleep(backoffMs(++failures, ceiling), claiming.signal);
      } finally {
        claiming.signal.removeEventListener("abort", abortCall);
      }
    }
  }

  function runTask(id: string, task: ClaimedTask): void {
    const controller = new AbortController();
    const entry: RunningTask = {
      task,
      controller,
      claimedAt: now(),
      abandoned: false,
      done: Promise.resolve(),
    };
    running.set(task.id, entry);
    const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
      // Lines of an attempt the worker gave up would be refused: not worth a request.
      if (!entry.abandoned) logs.push(task, level, message, fields);
    };
    const ctx: TaskContext = {
      agentId: id,
      signal: controller.signal,
      progress: (report) => reportProgress(id, entry, report),
      log: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    };
    const handler = Object.hasOwn(options.handlers, task.type)
      ? options.handlers[task.type]
      : undefined;
    // Before the report, in the same tick: the slot passes from `running` to the completion
    // (claimLoop's `free` never sees it twice or not at all), and the report knows whether
    // anything else is still running.
    const finished = () => {
      // The same task may be running again under a newer lease: remove only this entry.
      if (running.get(task.id) === entry) running.delete(task.id);
    };
    const run = async () => {
      if (!handler) throw new NonRetryableError(`no handler for task type "${task.type}"`);
      return handler(task, ctx);
    };
    entry.done = (
      removeConsoleCapture ? withConsoleSink((level, message) => log(level)(message), run) : run()
    )
      .then(
        (result) => {
          finished();
          if (!entry.abandoned) reports.complete(task, result);
        },
        (error: unknown) => {
          finished();
          if (!entry.abandoned) reports.fail(task, error, !isNonRetryable(error));
        },
      )
      .finally(wakeLoop);
  }

  async function reportProgress(
    id: string,
    entry: RunningTask,
    report: Parameters<TaskContext["progress"]>[0],
  ): Promise<void> {
    if (entry.abandoned) throw entry.controller.signal.reason;
    const { task } = entry;
    try {
      await trpc.tasks.progress.mutate({
        agentId: id,
        taskId: task.id,
        leaseEpoch: task.leaseEpoch,
        ...report,
      });
    } catch (error) {
      if (isTransient(error)) return emitError(error, "progress", task.id);
      const code = errorCode(error);
      if (code === "CONFLICT" || code === "NOT_FOUND" || code === "FORBIDDEN") {
        const lost = new LeaseLostError(task.id, (error as Error).message);
        abandon(entry, lost, "progress");
        throw lost;
      }
      throw error;
    }
  }

  function abandon(entry: RunningTask, reason: Error, during: WorkerActivity): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.controller.abort(reason);
    emitError(reason, during, entry.task.id);
  }

  async function shutdown(id: string | undefined, graceMs: number, flushTimeoutMs: number) {
    claiming.abort();
    wakeLoop();
    await loop;
    const inFlight = [...running.values()];
    if (inFlight.length > 0) {
      const allDone = new AbortController();
      await Promise.race([
        Promise.all(inFlight.map((entry) => entry.done)),
        abortableSleep(graceMs, allDone.signal),
      ]);
      allDone.abort();
    }
    for (const entry of running.values()) {
      if (entry.abandoned) continue;
      abandon(entry, new Error(SHUTTING_DOWN), "stop");
      leasesToHandBack = true;
    }
    const flushLimit = setTimeout(() => giveUp.abort(), flushTimeoutMs);
    try {
      await logs.drain();
      await reports.drain();
      if (id && (leasesToHandBack || orphans.answerLost)) await heartbeats.requeueUnfinished(id);
    } finally {
      clearTimeout(flushLimit);
      removeConsoleCapture?.();
      await heartbeats.stop();
    }
  }

  return {
    events,
    get agentId() {
      if (!agentId) throw new Error("the worker has not registered yet: await start()");
      return agentId;
    },
    get running() {
      return running.size;
    },
    async start() {
      if (loop || stopping) throw new Error("start() may be called once, before stop()");
      let agent: { id: string };
      try {
        agent = await retryTransient(
          () =>
            trpc.agents.register.mutate({
              name: options.name,
              capabilities: options.capabilities ?? [],
              capacity: options.capacity ?? {},
              metadata: options.metadata,
            }),
          { signal: claiming.signal, onError: (error) => emitError(error, "register") },
        );
      } catch (error) {
        if (claiming.signal.aborted) return;
        throw error;
      }
      agentId = agent.id;
      events.emit("registered", { agentId: agent.id, at: now() });
      if (claiming.signal.aborted) return;
      heartbeats.start(agent.id);
      if (options.captureConsole) removeConsoleCapture = installConsoleCapture();
      loop = claimLoop(agent.id);
    },
    stop(stopOptions = {}) {
      stopping ??= shutdown(
        agentId,
        stopOptions.graceMs ?? 30_000,
        stopOptions.flushTimeoutMs ?? 10_000,
      );
      return stopping;
    },
  };
}
