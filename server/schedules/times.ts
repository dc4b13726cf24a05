import { Cron } from "croner";

/** When a schedule fires: a cron expression in a time zone, or every N seconds from an anchor. */
export type Timing =
  | { cron: string; timezone: string; everyS?: null; anchor?: Date | null }
  | { cron?: null; everyS: number; anchor: Date; timezone?: string };

/** Why croner would refuse this expression, or null. Only 5 or 6 fields (6: seconds first). */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return "must have 5 fields, or 6 with seconds first";
  try {
    new Cron(cron, { paused: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : "is not a cron expression";
  }
}

/** An IANA zone the runtime knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first fire time strictly after `after`. Croner walks wall-clock time in the zone: a time
 * that a spring-forward day skips runs once, at the first instant after the gap, and a time a
 * fall-back day repeats runs once, at its first occurrence.
 */
export function nextFireAfter(timing: Timing, after: Date): Date | null {
  if (timing.everyS != null) {
    const stepMs = timing.everyS * 1000;
    const anchor = timing.anchor.getTime();
    if (after.getTime() < anchor) return new Date(anchor);
    const steps = Math.floor((after.getTime() - anchor) / stepMs) + 1;
    return new Date(anchor + steps * stepMs);
  }
  const key = `${timing.timezone} ${timing.cron} ${after.getTime()}`;
  const known = nextRuns.get(key);
  if (known !== undefined) return known;
  const next = cronOf(timing.cron ?? "", timing.timezone).nextRun(after);
  if (nextRuns.size >= MAX_NEXT_RUNS) nextRuns.clear();
  nextRuns.set(key, next);
  return next;
}

// Walking a pattern in a time zone costs tens of microseconds, and schedules sharing a pattern
// (every minute, every hour…) ask the same question at the same instants: answered once.
const nextRuns = new Map<string, Date | null>();
const MAX_NEXT_RUNS = 50_000;

// Parsing a pattern costs more than walking it: a sweep asks for the next fire time of the same
// few patterns thousands of times a second. Bounded, since patterns are user data.
const parsed = new Map<string, Cron>();
const MAX_PARSED = 10_000;

function cronOf(pattern: string, timezone: string): Cron {
  const key = `${timezone} ${pattern}`;
  let cron = parsed.get(key);
  if (!cron) {
    cron = new Cron(pattern, { paused: true, timezone });
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(key, cron);
  }
  return cron;
}

/** Up to `count` fire times after `after`, none after `endAt`. */
export function fireTimes(
  timing: Timing,
  after: Date,
  count: number,
  endAt: Date | null = null,
): Date[] {
  const times: Date[] = [];
  let at: Date | null = after;
  while (times.length < count) {
    at = nextFireAfter(timing, at);
    if (!at || (endAt && at > endAt)) break;
    times.push(at);
  }
  return times;
}
