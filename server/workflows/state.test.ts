import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { type TaskStateCounts, workflowState, workflowStateSql } from "./state";

const pg = setupTestDatabase();

it("defines the state the same way in JavaScript and in SQL", async () => {
  const cases: { counts: TaskStateCounts; paused: boolean }[] = [];
  for (let bits = 0; bits < 128; bits++) {
    const n = (bit: number) => ((bits >> bit) & 1) * (bit + 1);
    const counts = {
      blocked: n(0),
      queued: n(1),
      running: n(2),
      succeeded: n(3),
      failed: n(4),
      cancelled: n(5),
      waiting: n(6),
    };
    cases.push({ counts, paused: false }, { counts, paused: true });
  }
  const rows = await pg.db.execute<{ i: number; state: string }>(sql`
    select c.i::int as i,
      ${workflowStateSql("c", sql`case when c.paused then now() end`)} as state
    from jsonb_to_recordset(${JSON.stringify(cases.map((c, i) => ({ i, ...c.counts, paused: c.paused })))}::jsonb)
      as c(i int, blocked int, waiting int, queued int, running int, succeeded int, failed int, cancelled int, paused boolean)`);
  const fromSql = rows.sort((a, b) => a.i - b.i).map((row) => row.state);
  expect(fromSql).toEqual(cases.map((c) => workflowState(c.counts, c.paused)));
  expect(new Set(fromSql)).toEqual(
    new Set(["running", "paused", "succeeded", "failed", "cancelled"]),
  );
});
