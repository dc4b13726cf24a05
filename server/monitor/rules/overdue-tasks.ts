import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { col, queryRow, queryRows } from "@/db/rows";
import { isoTime } from "@/server/tasks/sql";
import { formatSeconds, type Observation, severityOf } from "./types";

export interface OverdueTasksParams {
  state: "running" | "blocked";
  /** The column the wait counts from. */
  since: SQL;
  thresholdS: number;
  describe: (name: string, elapsed: string) => string;
}

// Literals, not parameters, so the planner can use the partial indexes on state; fixed
// fragments, so no caller's value is ever spliced into the statement.
const IN_STATE: Record<OverdueTasksParams["state"], SQL> = {
  running: sql`state = 'running'`,
  blocked: sql`state = 'blocked'`,
};

const overdueRow = z.object({ id: z.string(), name: z.string(), seconds: z.number() });
const dueRow = z.object({ at: col.date().nullable() });

/**
 * Tasks in `state` for longer than the threshold, as `task:<id>` observations, and the next
 * moment one crosses its threshold or twice it (warning, then critical). Both queries read
 * only tasks in `state`, through its partial or (state, ...) index.
 */
export async function overdueTasks(db: Executor, params: OverdueTasksParams) {
  const threshold = sql`make_interval(secs => ${params.thresholdS})`;
  // A caller that casts past the type gets an error, not its text spliced into the SQL.
  if (!Object.hasOwn(IN_STATE, params.state)) {
    throw new Error(`overdueTasks: no such watched state ${JSON.stringify(params.state)}`);
  }
  const inState = IN_STATE[params.state];
  const rows = await queryRows(
    db,
    `overdue ${params.state} tasks`,
    overdueRow,
    sql`
    select id, name, extract(epoch from now() - ${params.since})::float8 as seconds
    from tasks
    where ${inState} and ${params.since} <= now() - ${threshold}
    order by ${params.since}`,
  );
  const due = await queryRow(
    db,
    `next overdue ${params.state} task`,
    dueRow,
    sql`
    select ${isoTime(sql`min(case
      when ${params.since} + ${threshold} > now() then ${params.since} + ${threshold}
      when ${params.since} + 2 * ${threshold} > now() then ${params.since} + 2 * ${threshold}
    end)`)} as at
    from tasks where ${inState}`,
  );

  const observations: Observation[] = rows.map((row) => ({
    subject: `task:${row.id}`,
    value: row.seconds,
    breaching: true,
    severity: severityOf(row.seconds, params.thresholdS, false),
    message: `${params.describe(row.name, formatSeconds(row.seconds))} (threshold ${formatSeconds(params.thresholdS)})`,
  }));
  return { observations, nextDueAt: due?.at ?? null };
}
