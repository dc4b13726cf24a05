/** A lease as `agents.heartbeat` lists it, and as `tasks.requeue` takes it. */
export interface LeaseRef {
  taskId: string;
  leaseEpoch: number;
}

export const leaseKey = (taskId: string, leaseEpoch: number) => `${taskId}:${leaseEpoch}`;

/**
 * Finds the leases the agent holds for tasks its worker never saw: a claim (or a completeMany
 * with `claim`) committed on the server, but its answer was lost (connection reset, timeout),
 * so the worker retried or moved on. Nothing would ever run those tasks, and every heartbeat
 * would extend their leases until the worker stops. The worker hands them back
 * (`tasks.requeue`: not a failure, no attempt spent).
 *
 * The rule (the same in clients/python/task_manager_client/_orphans.py): a lease a heartbeat's
 * answer lists is an orphan when
 *  1. the worker does not know it now: not running, not in an unacknowledged report, not in an
 *     answer being handed out;
 *  2. the previous heartbeat's answer listed it too, unknown then as well; and
 *  3. every request that may lease tasks and was in flight when that previous answer came back
 *     has settled since (answered and its tasks handed out, or failed).
 *
 * Why that is safe. A lease listed by answer P was granted by a request sent before P came
 * back, so by (3) that request has settled: it either handed the task to the worker, or lost its
 * answer. A task handed to the worker is known (1) until its report is acknowledged; a heartbeat
 * that read the leases just before that completion committed still lists it, but the requeue is
 * fenced by the lease and refused for a task no longer running, so a finished task is never
 * touched. (3) is what keeps a slow claim answer — still on its way across two heartbeats —
 * from being taken for an orphan; (2) alone already covers the usual race, a claim answer
 * arriving between a heartbeat's snapshot and its answer. A long poll in flight for longer than
 * a heartbeat only delays the hand-back until it returns.
 *
 * Once stop() has begun the worker does not ask: stop() hands back every lease it still holds,
 * which includes these when `answerLost` is set.
 */
export function createOrphanWatch() {
  let nextRequest = 0;
  const inFlight = new Set<number>();
  let previous: { unknown: Set<string>; inFlight: number[] } | undefined;
  let answerLost = false;

  return {
    /**
     * Runs a request that may lease tasks, and the handing out of its answer's tasks: `call`
     * must have put them where the worker knows them (running) before it resolves.
     */
    async granting<T>(call: () => Promise<T>): Promise<T> {
      const id = nextRequest++;
      inFlight.add(id);
      try {
        return await call();
      } catch (error) {
        // It may have leased tasks on the server all the same.
        answerLost = true;
        throw error;
      } finally {
        inFlight.delete(id);
      }
    },
    /** Given a heartbeat's answer and the leases the worker knows: the orphans to hand back. */
    orphans(leases: readonly LeaseRef[], known: ReadonlySet<string>): LeaseRef[] {
      const unknown = leases.filter(
        ({ taskId, leaseEpoch }) => !known.has(leaseKey(taskId, leaseEpoch)),
      );
      const before = previous;
      previous = {
        unknown: new Set(unknown.map(({ taskId, leaseEpoch }) => leaseKey(taskId, leaseEpoch))),
        inFlight: [...inFlight],
      };
      if (!before || before.inFlight.some((id) => inFlight.has(id))) return [];
      return unknown.filter(({ taskId, leaseEpoch }) =>
        before.unknown.has(leaseKey(taskId, leaseEpoch)),
      );
    },
    /** A request that may lease tasks failed: stop() should look for leases to hand back. */
    get answerLost(): boolean {
      return answerLost;
    },
  };
}
