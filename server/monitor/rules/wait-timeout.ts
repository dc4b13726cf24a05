import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";
import { formatSeconds, type RuleResult } from "./types";

/** A timed-out wait stays an alert this long at most (it auto-resolves after). */
export const WAIT_TIMEOUT_WINDOW_S = 24 * 3600;

/**
 * wait_timeout: a task that waited for a signal that never came (failed, error code
 * wait_timeout), subject `task:<id>`, valued in the seconds it waited. It clears when the task
 * is retried (it is no longer failed that way) or after WAIT_TIMEOUT_WINDOW_S; an operator
 * resolving it keeps it quiet, as for every rule.
 */
/**
 * Read through tasks_wait_timeout_idx, whose predicate is this one's: the rule runs every
 * leader pass, and must not read the day's finished tasks to find the few timed-out waits.
 */
export const waitTimeoutQuery = sql`
    select id, name, coalesce(error ->> 'signal', wait_signal, '') as signal,
      coalesce(wait_timeout_s, 0)::float8 as seconds
    from tasks
    where finished_at > now() - make_interval(secs => ${WAIT_TIMEOUT_WINDOW_S})
      and state = 'failed' and error ->> 'code' = 'wait_timeout'
    order by finished_at`;

export async function waitTimeoutRule(db: Executor): Promise<RuleResult> {
  const rows = await queryRows(
    db,
    "wait_timeout rule",
    z.object({ id: z.string(), name: z.string(), signal: z.string(), seconds: z.number() }),
    waitTimeoutQuery,
  );
  return {
    rule: "wait_timeout",
    threshold: 0,
    observations: rows.map((row) => ({
      subject: `task:${row.id}`,
      value: row.seconds,
      breaching: true,
      severity: "warning",
      message: `task "${row.name}" timed out waiting for signal "${row.signal}" (after ${formatSeconds(row.seconds)})`,
    })),
    nextDueAt: null,
    valuesFollowClock: false,
  };
}
