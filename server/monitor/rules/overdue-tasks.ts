import { type SQL, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { isoTime } from "@/server/tasks/sql";
import { formatSeconds, type Observation, severityOf } from "./types";

export interface OverdueTasksParams {
  state: "running" | "blocked";
  /** The column the wait counts from. */
  since: SQL;
  thresholdS: number;
  describe: (name: string, elapsed: string) => string;
}

/**
 * Tasks in `state` for longer than the threshold, as `task:<id>` observations, and the next
 * moment one crosses its threshold or twice it (warning, then critical). Both queries read
 * only tasks in `state`, through its partial or (state, ...) index.
 */
export async function overdueTasks(db: Executor, params: OverdueTasksParams) {
  const threshold = sql`make_interval(secs => ${params.thresholdS})`;
  // A literal, not a parameter, so the planner can use the partial indexes on state.
  const inState = sql.raw(`state = '${params.state}'`);
  const rows = await db.execute<{ id: string; name: string; seconds: number }>(sql`
    select id, name, extract(epoch from now() - ${params.since})::float8 as seconds
    from tasks
    where ${inState} and ${params.since} <= now() - ${threshold}
    order by ${params.since}`);
  const [due] = await db.execute<{ at: string | null }>(sql`
    select ${isoTime(sql`min(case
      when ${params.since} + ${threshold} > now() then ${params.since} + ${threshold}
      when ${params.since} + 2 * ${threshold} > now() then ${params.since} + 2 * ${threshold}
    end)`)} as at
    from tasks where ${inState}`);

  const observations: Observation[] = rows.map((row) => ({
    subject: `task:${row.id}`,
    value: row.seconds,
    breaching: true,
    severity: severityOf(row.seconds, params.thresholdS, false),
    message: `${params.describe(row.name, formatSeconds(row.seconds))} (threshold ${formatSeconds(params.thresholdS)})`,
  }));
  return { observations, nextDueAt: due?.at ? new Date(due.at) : null };
}
