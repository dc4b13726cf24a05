import type { Database } from "@/db/client";
import { quarantineEndsAt } from "@/server/agents/quarantine-gate";
import type { Principal } from "@/server/auth/roles";
import type { EventHub, QueueWaitResult } from "@/server/events/hub";
import { phase, phaseTasks } from "@/server/log/phase-timings";
import { type ClaimedTask, claimTasks } from "./claim";

/**
 * Claims, and if nothing is claimable waits up to `waitMs` for a queue notification, then tries
 * again (docs/architecture.md "Timing": long-polls are woken by NOTIFY, not by polling).
 *
 * The wait is armed before each attempt: a task queued between an empty claim and the start of
 * the wait still wakes it. Wake-ups are hints, so the loop claims again until the deadline.
 *
 * One NOTIFY wakes every waiting claim of the process; they retry one at a time, in the order
 * they started waiting. Run at once, they would all compete for two cores while only one can
 * win a single released task, and the winner's claim would wait behind the losers'.
 */
export async function claimWithWait(
  db: Database,
  /** Called only when a wait is needed: a claim with waitMs 0 opens no listener. */
  hub: () => EventHub,
  params: {
    agentId: string;
    max: number;
    waitMs: number;
    signal?: AbortSignal;
    /** The caller, which must own the agent (checked inside each claim). */
    principal?: Principal;
  },
): Promise<ClaimedTask[]> {
  const deadline = Date.now() + params.waitMs;
  let woken = false;
  for (;;) {
    // A caller that has gone (a stopping worker aborts its long-poll) must not be leased a
    // task it will never run: the task would sit until its lease expired.
    if (params.signal?.aborted) return [];
    const remaining = deadline - Date.now();
    const armed = new AbortController();
    const onAbort = () => armed.abort();
    params.signal?.addEventListener("abort", onAbort, { once: true });
    const wait = remaining > 0 ? hub().waitForQueue(remaining, armed.signal) : null;
    try {
      const claim = async () => {
        phase("claim.start");
        return params.signal?.aborted
          ? []
          : claimTasks(db, params.agentId, params.max, params.principal);
      };
      const claimed = await (woken ? oneAtATime(claim) : claim());
      if (claimed.length > 0 || !wait) {
        phase("claim.done");
        phaseTasks(
          "claimed",
          claimed.map((task) => task.id),
        );
        return claimed;
      }
      woken = (await untilQuarantineEnds(db, params.agentId, wait)) === "notified";
      if (!woken) return [];
      phase("woken");
    } finally {
      armed.abort();
      params.signal?.removeEventListener("abort", onAbort);
    }
  }
}

/**
 * A quarantined agent's long-poll waits like an empty queue's, and also wakes when the
 * quarantine ends within the wait: no queue notification announces that. Returning at once
 * instead would make a long-polling worker (the SDK's claims again as soon as an empty answer
 * comes) spin on the server for the whole cool-down. A release NOTIFYs the queue, which wakes
 * the wait as any new task does.
 */
async function untilQuarantineEnds(
  db: Database,
  agentId: string,
  wait: Promise<QueueWaitResult>,
): Promise<QueueWaitResult> {
  const endsAt = await quarantineEndsAt(db, agentId);
  if (!endsAt) return wait;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Aborting the call ends `wait` ("aborted"), which ends the race and clears the timer.
  const ended = new Promise<QueueWaitResult>((resolve) => {
    timer = setTimeout(() => resolve("notified"), Math.max(0, endsAt.getTime() - Date.now()));
  });
  try {
    return await Promise.race([wait, ended]);
  } finally {
    clearTimeout(timer);
  }
}

let retries: Promise<unknown> = Promise.resolve();

/** Runs `attempt` after every attempt queued before it, in this process. */
function oneAtATime<T>(attempt: () => Promise<T>): Promise<T> {
  const run = retries.then(attempt, attempt);
  retries = run.catch(() => undefined);
  return run;
}
