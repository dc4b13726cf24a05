import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { waitTimeoutQuery } from "./wait-timeout";

const pg = setupTestDatabase();

describe("the wait_timeout rule's read", () => {
  it("finds the timed-out waits through their own index, not the day's finished tasks", async () => {
    // A day of history: many finished tasks, a tenth failed, two of them timed-out waits.
    await pg.db.execute(sql`
      insert into tasks (name, state, error, wait_signal, wait_timeout_s, finished_at)
      select 'history ' || n,
        case when n % 10 = 0 then 'failed' else 'succeeded' end::task_state,
        case when n % 10000 = 0 then '{"code": "wait_timeout"}'::jsonb
          when n % 10 = 0 then '{"code": "boom"}'::jsonb end,
        case when n % 10000 = 0 then 'approval' end, case when n % 10000 = 0 then 60 end,
        now() - (n % 86000) * interval '1 second'
      from generate_series(1, 20000) n`);
    await pg.db.execute(sql`analyze tasks`);

    const [plan] = await pg.db.execute<{ "QUERY PLAN": unknown }>(
      sql`explain (format json) ${waitTimeoutQuery}`,
    );
    const text = JSON.stringify(plan?.["QUERY PLAN"]);
    expect(text).toContain('"Index Name":"tasks_wait_timeout_idx"');
    expect(text).not.toContain("tasks_finished_idx");
    const rows = await pg.db.execute<{ signal: string }>(waitTimeoutQuery);
    expect(rows.map((row) => row.signal)).toEqual(["approval", "approval"]);
  });
});
