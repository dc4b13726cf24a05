import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { RATIO_CLEAR_FACTOR } from "../settings";
import { percent, type RuleResult, severityOf } from "./types";

/** Outcomes older than this do not count. */
export const FAILURE_WINDOW_S = 15 * 60;
/** Fewer outcomes than this say nothing: one failure out of one task is no rate. */
export const FAILURE_MIN_SAMPLE = 10;
/**
 * At most the latest this many outcomes count, which bounds the read however busy the window
 * was (under load the window is effectively the last few seconds, which is what matters).
 */
export const FAILURE_MAX_SAMPLE = 200;
/**
 * The outcomes are looked for among at most the window's latest this many events (a task
 * makes three or four), walked from the newest down the created_at index.
 */
export const FAILURE_SCAN_EVENTS = 2000;

/**
 * failure_rate: failed / (succeeded + failed) among the tasks that ended in the last
 * FAILURE_WINDOW_S (at most the latest FAILURE_MAX_SAMPLE, at least FAILURE_MIN_SAMPLE), above
 * the threshold; subject `global`. A task counts when it ends for good: `task.failed` once its
 * attempts are exhausted, not each retried attempt; cancelled tasks do not count.
 *
 * Read from task_events, indexed by created_at; the retention of events is days, far longer
 * than the window.
 *
 * The latest events first, the outcomes among them after, and the bounds written into the
 * statement: filtered by kind in one step, the planner sized the outcomes by the last ANALYZE,
 * and in a young database that had seen none yet it scanned the whole table for them, 30 ms
 * every half second through a burst (bench --only throughput --profile).
 */
export async function failureRateRule(db: Executor, threshold: number): Promise<RuleResult> {
  const [row] = await queryRows(
    db,
    "failure_rate rule",
    z.object({ failed: z.number(), finished: z.number() }),
    sql`
    select count(*) filter (where kind = 'task.failed')::int as failed, count(*)::int as finished
    from (
      select kind from (
        select kind, created_at from task_events
        where created_at > now() - make_interval(secs => ${sql.raw(String(FAILURE_WINDOW_S))})
        order by created_at desc
        limit ${sql.raw(String(FAILURE_SCAN_EVENTS))}
      ) latest
      where kind in ('task.succeeded', 'task.failed')
      order by created_at desc
      limit ${sql.raw(String(FAILURE_MAX_SAMPLE))}
    ) recent`,
  );
  const failed = row?.failed ?? 0;
  const finished = row?.finished ?? 0;
  const rate = finished > 0 ? failed / finished : 0;
  // Strictly above: a threshold of 0 means "alert on any failure", not "always".
  const inBand = finished >= FAILURE_MIN_SAMPLE && rate > threshold * RATIO_CLEAR_FACTOR;
  return {
    rule: "failure_rate",
    threshold,
    observations: inBand
      ? [
          {
            subject: "global",
            value: rate,
            breaching: rate > threshold,
            severity: severityOf(rate, threshold, true),
            message: `${failed} of the last ${finished} finished tasks failed (${percent(rate)}, threshold ${percent(threshold)})`,
          },
        ]
      : [],
    nextDueAt: null,
    valuesFollowClock: false,
  };
}
