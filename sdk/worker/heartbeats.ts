import type { TaskManagerTrpc } from "../client";
import { LeaseLostError } from "../errors";
import { retryTransient } from "./backoff";
import type { TypedEmitter } from "./events";
import { type createOrphanWatch, type LeaseRef, leaseKey } from "./orphans";
import { now } from "./reports";
import type { AgentWorkerEvents, ClaimedTask, WorkerActivity } from "./types";

/** A task the worker runs, as the heartbeat sees it. */
export interface HeldTask {
  task: ClaimedTask;
  claimedAt: number;
}

export interface HeartbeatsParams<T extends HeldTask> {
  trpc: TaskManagerTrpc;
  events: TypedEmitter<AgentWorkerEvents>;
  intervalMs: number;
  /** The tasks running now, by id. */
  running: ReadonlyMap<string, T>;
  /** Tasks finished but not yet acknowledged by the server: their leases are known too. */
  unacknowledged: () => Iterable<ClaimedTask>;
  orphans: ReturnType<typeof createOrphanWatch>;
  /** Aborted by stop(): the heartbeat then leaves orphans to stop()'s hand-back. */
  stopping: AbortSignal;
  /** Aborted when stop() gives up on the server. */
  giveUp: AbortSignal;
  /** Gives up a running task whose lease the server no longer lists. */
  abandon: (entry: T, reason: Error, during: WorkerActivity) => void;
  emitError: (error: unknown, during: WorkerActivity) => void;
}

/**
 * The worker's heartbeat and what it does with the leases it learns of (docs/architecture.md
 * "Leases"): every `intervalMs` it keeps the agent online and its leases alive, gives up tasks
 * the server no longer lists, and hands back leases it lists for tasks the worker never saw
 * (orphans.ts). At stop, `requeueUnfinished` hands back every lease still held.
 */
export function createHeartbeats<T extends HeldTask>(params: HeartbeatsParams<T>) {
  const { trpc, events, emitError } = params;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let beating: Promise<void> | undefined;
  let on = false;

  function schedule(id: string): void {
    if (!on) return;
    timer = setTimeout(() => {
      beating = heartbeat(id).finally(() => {
        beating = undefined;
        schedule(id);
      });
    }, params.intervalMs);
  }

  async function heartbeat(id: string): Promise<void> {
    const sentAt = now();
    let leases: LeaseRef[];
    try {
      ({ leases } = await trpc.agents.heartbeat.mutate({ agentId: id }));
    } catch (error) {
      emitError(error, "heartbeat");
      return;
    }
    const held = new Set(leases.map((lease) => leaseKey(lease.taskId, lease.leaseEpoch)));
    for (const entry of params.running.values()) {
      // A task claimed after the heartbeat left may be missing from its answer.
      if (entry.claimedAt >= sentAt || held.has(leaseKey(entry.task.id, entry.task.leaseEpoch))) {
        continue;
      }
      params.abandon(
        entry,
        new LeaseLostError(entry.task.id, "not among the agent's leases"),
        "heartbeat",
      );
    }
    // stop() hands back every lease the agent still holds, orphans included.
    if (params.stopping.aborted) return;
    const known = new Set<string>();
    for (const { task } of params.running.values()) known.add(leaseKey(task.id, task.leaseEpoch));
    for (const task of params.unacknowledged()) known.add(leaseKey(task.id, task.leaseEpoch));
    const orphaned = params.orphans.orphans(leases, known);
    if (orphaned.length > 0) await handBack(id, orphaned, "orphaned", "heartbeat");
  }

  /**
   * tasks.requeue: the leases go back to the queue, their attempt refunded. Only those the
   * server took are reported: one refused was no longer held (e.g. its completion had just
   * committed).
   */
  async function handBack(
    id: string,
    leases: LeaseRef[],
    reason: AgentWorkerEvents["requeued"]["reason"],
    during: WorkerActivity,
  ): Promise<void> {
    try {
      const { results } = await trpc.tasks.requeue.mutate({
        agentId: id,
        items: leases.map(({ taskId, leaseEpoch }) => ({ taskId, leaseEpoch })),
      });
      const taken = new Set(results.filter((outcome) => outcome.ok).map(({ taskId }) => taskId));
      const requeued = leases.filter(({ taskId }) => taken.has(taskId));
      if (requeued.length > 0) events.emit("requeued", { leases: requeued, reason, at: now() });
    } catch (error) {
      emitError(error, during);
    }
  }

  return {
    start(id: string): void {
      on = true;
      schedule(id);
    },
    async stop(): Promise<void> {
      on = false;
      clearTimeout(timer);
      await beating;
    },
    /**
     * Once every finished task is reported, any lease the agent still holds is a task it gave
     * up (the grace ran out) or one a claim cut short by stop() (or one whose answer was lost
     * before, not yet handed back by the heartbeat) leased without its answer arriving: hand
     * them back to the queue now (tasks.requeue: no attempt spent, no backoff) rather than
     * leave them until their lease expires.
     */
    async requeueUnfinished(id: string): Promise<void> {
      try {
        const { leases } = await retryTransient(
          () => trpc.agents.heartbeat.mutate({ agentId: id }),
          { signal: params.giveUp, onError: (error) => emitError(error, "stop") },
        );
        if (leases.length > 0) await handBack(id, leases, "stop", "stop");
      } catch (error) {
        emitError(error, "stop");
      }
    },
  };
}
