import type { EventHub } from "@/server/events/hub";
import type { Scheduler } from "@/server/scheduler/loop";

/**
 * The shortest gap between two event-driven passes: bounds how late an input-driven alert can
 * be (the benchmark's alert latency target is 1 s at p99) against the cost of up to two passes
 * a second under continuous load, which show in the tail of dependency-release latency.
 */
export const WAKE_MIN_GAP_MS = 500;

/**
 * Evaluates alert rules when their inputs change (docs/architecture.md "Timing"): every committed
 * event (a task started or ended, an agent went offline, a pool changed) wakes this instance's
 * scheduler when it leads, and its next pass re-evaluates the rules and re-plans their timers.
 * That pass runs every sweep, not only the rules: each sweep planned its due time from the
 * inputs it last saw, and a lease taken or an agent gone silent since must re-plan it (a pass
 * of the rules alone once left a silent agent a scheduling interval late). Sweeps whose work
 * does not depend on events hold themselves back (server/overview/sweep.ts).
 *
 * Why a wake and not an evaluation inside each transition: the transitions stay as they are
 * (no alert SQL in the claim or completion path), rules run on the leader only, and the pass
 * also re-plans the earliest due time (a task that just started and will cross task_duration).
 * Events can come by thousands per second, so wakes are throttled to one per WAKE_MIN_GAP_MS:
 * the first event of a quiet spell wakes at once, the rest of a burst cause one more pass at
 * the end of the gap. An alert change is an event too, which costs one extra pass that changes
 * nothing and so records nothing: no loop.
 *
 * Returns a function that unsubscribes and cancels a pending wake.
 */
export function wakeSchedulerOnEvents(
  hub: Pick<EventHub, "onEvent" | "onResync">,
  scheduler: Pick<Scheduler, "wake" | "status">,
  minGapMs = WAKE_MIN_GAP_MS,
): () => void {
  let lastWakeAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const wake = () => {
    timer = undefined;
    lastWakeAt = Date.now();
    // A follower's loop only waits for the lock; waking it would just retry the lock sooner.
    if (scheduler.status().isLeader) scheduler.wake();
  };
  const onInput = () => {
    if (timer) return;
    const wait = lastWakeAt + minGapMs - Date.now();
    if (wait <= 0) wake();
    else timer = setTimeout(wake, wait);
  };

  const offEvent = hub.onEvent(onInput);
  const offResync = hub.onResync(onInput);
  return () => {
    offEvent();
    offResync();
    clearTimeout(timer);
    timer = undefined;
  };
}
