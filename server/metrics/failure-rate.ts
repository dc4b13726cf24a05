import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { queryRows } from "@/db/rows";

export interface FailureRateParams {
  windowMinutes: number;
}

export interface FailureRate {
  windowMinutes: number;
  succeeded: number;
  failed: number;
  /** failed / (succeeded + failed); null when nothing finished, which is not a 0 % rate. */
  rate: number | null;
}

/**
 * The share of tasks that finished in the window and failed for good (docs/architecture.md
 * "Alerts", failure_rate). Retried attempts are not failures: the task is queued again, not
 * finished. Cancelled tasks count neither way; nothing was tried to the end.
 */
export async function failureRate(db: Executor, params: FailureRateParams): Promise<FailureRate> {
  const [row] = await queryRows(
    db,
    "failure rate",
    z.object({ succeeded: z.number(), failed: z.number() }),
    sql`
    select count(*) filter (where t.state = 'succeeded')::int as succeeded,
      count(*) filter (where t.state = 'failed')::int as failed
    from tasks t
    where t.finished_at > now() - make_interval(mins => ${params.windowMinutes})
      and t.state in ('succeeded', 'failed')`,
  );
  const succeeded = row?.succeeded ?? 0;
  const failed = row?.failed ?? 0;
  const finished = succeeded + failed;
  return {
    windowMinutes: params.windowMinutes,
    succeeded,
    failed,
    rate: finished === 0 ? null : failed / finished,
  };
}
