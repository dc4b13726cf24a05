import { nextFireAfter, type Timing } from "./times";

export const OVERLAP_POLICIES = ["skip", "allow", "buffer_one", "cancel_previous"] as const;
export const CATCHUP_POLICIES = ["none", "latest", "all"] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export type CatchupPolicy = (typeof CATCHUP_POLICIES)[number];

/**
 * A fire later than this counts as missed (the scheduler was down), not merely late: the
 * catch-up policy decides whether it still runs. A fire less late (a slow pass, a leader
 * handover) is made as if on time.
 */
export const MISSED_AFTER_MS = 10_000;
/** Most missed fire times one pass replays for one schedule (`catchup: all`): the latest ones. */
export const MAX_FIRES_PER_PASS = 1000;

export interface PlanInput {
  timing: Timing;
  overlap: OverlapPolicy;
  catchup: CatchupPolicy;
  catchupWindowS: number;
  endAt: Date | null;
  /** The first fire not yet made, or null when the schedule has ended. */
  nextFireAt: Date | null;
  /** `buffer_one`: a fire that waits for the previous run to finish. */
  bufferedFireAt: Date | null;
  now: Date;
  /** Runs of this schedule not yet finished, before this pass. */
  unfinishedRuns: number;
}

export type PlannedFire =
  | { at: Date; outcome: "fired" }
  | { at: Date; outcome: "skipped"; reason: string };

export interface Plan {
  /** In fire-time order, except that a buffered fire goes first. */
  fires: PlannedFire[];
  /** `cancel_previous`: the unfinished runs are cancelled before the new one is submitted. */
  cancelPrevious: boolean;
  bufferedFireAt: Date | null;
  nextFireAt: Date | null;
  /** Set when fires were missed (downtime): how many, and how many of them run now. */
  caughtUp: { missed: number; replayed: number } | null;
}

/**
 * What one pass does for one schedule at `now`: a pure function, so every policy can be tested
 * with a fake clock. The caller makes the fires in one transaction with the schedule's new
 * `nextFireAt` and `bufferedFireAt`.
 */
export function planFires(input: PlanInput): Plan {
  const { now } = input;
  const { due, total } = dueTimes(input);
  const last = due.at(-1);
  const late = (at: Date) => now.getTime() - at.getTime() > MISSED_AFTER_MS;

  // Only late by a slow pass or a leader handover: every due fire is made.
  let toMake = due;
  let caughtUp: Plan["caughtUp"] = null;
  if (total > due.length || due.some(late)) {
    // Down for a while: the catch-up policy decides. Every fire but an on-time last is missed.
    const onTime = last && !late(last) ? last : null;
    if (input.catchup === "none") toMake = onTime ? [onTime] : [];
    else if (input.catchup === "latest") toMake = last ? [last] : [];
    else {
      const windowStart = now.getTime() - input.catchupWindowS * 1000;
      toMake = due.filter((at) => at === onTime || at.getTime() >= windowStart);
    }
    caughtUp = {
      missed: total - (onTime ? 1 : 0),
      replayed: toMake.filter((at) => at !== onTime).length,
    };
  }

  const fires: PlannedFire[] = [];
  let running = input.unfinishedRuns > 0;
  let buffered = input.bufferedFireAt;
  let cancelPrevious = false;
  if (buffered && !running) {
    fires.push({ at: buffered, outcome: "fired" });
    buffered = null;
    running = true;
  }
  for (const [index, at] of toMake.entries()) {
    let skipReason: string | null = null;
    if (input.overlap === "skip" && running) skipReason = "previous run unfinished";
    if (input.overlap === "cancel_previous") {
      // Only the last fire of a pass runs: each earlier one would be cancelled at once.
      if (index < toMake.length - 1) skipReason = "superseded by a later fire";
      else if (input.unfinishedRuns > 0) cancelPrevious = true;
    }
    if (input.overlap === "buffer_one" && running) {
      if (buffered) skipReason = "previous run unfinished and a fire already buffered";
      else {
        buffered = at;
        continue;
      }
    }
    if (skipReason) fires.push({ at, outcome: "skipped", reason: skipReason });
    else {
      fires.push({ at, outcome: "fired" });
      running = true;
    }
  }

  let nextFireAt = last ? nextFireAfter(input.timing, now) : input.nextFireAt;
  if (nextFireAt && input.endAt && nextFireAt > input.endAt) nextFireAt = null;
  return { fires, cancelPrevious, bufferedFireAt: buffered, nextFireAt, caughtUp };
}

/**
 * The fire times from `nextFireAt` to `now` (and not after `endAt`): the last
 * MAX_FIRES_PER_PASS of them, and how many there were in all.
 */
function dueTimes(input: PlanInput): { due: Date[]; total: number } {
  const due: Date[] = [];
  let total = 0;
  const until = input.endAt && input.endAt < input.now ? input.endAt : input.now;
  for (let at = input.nextFireAt; at && at <= until; at = nextFireAfter(input.timing, at)) {
    total++;
    due.push(at);
    if (due.length > MAX_FIRES_PER_PASS) due.shift();
  }
  return { due, total };
}
