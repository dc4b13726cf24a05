import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { seqScansSoFar } from "@/test/plans";
import { recordOutcomes } from "../test-helpers";
import { FAILURE_SCAN_EVENTS, failureRateRule } from "./failure-rate";

const pg = setupTestDatabase();

/** `n` events of `kind` at once. */
async function recordEvents(kind: string, n: number) {
  await pg.db.execute(sql`insert into task_events (kind, task_id, to_state)
    select ${kind}, gen_random_uuid(), 'queued' from generate_series(1, ${n})`);
}

describe("failure_rate's read", () => {
  it("walks the latest events, even on statistics from before any task ended", async () => {
    // A young database: its events were analyzed while tasks were only being submitted.
    await pg.db.execute(sql`alter table task_events set (autovacuum_enabled = off)`);
    await recordEvents("task.queued", 20_000);
    await pg.db.execute(sql`analyze task_events`);
    await recordEvents("task.started", 10_000);
    await recordOutcomes(pg.db, 10, 10);

    await pg.db.transaction(async (tx) => {
      const before = await seqScansSoFar(tx, "task_events");
      const result = await failureRateRule(tx, 0.2);
      expect(result.observations).toMatchObject([{ subject: "global", value: 0.5 }]);
      expect((await seqScansSoFar(tx, "task_events")) - before).toBe(0);
    });
  });

  it("counts only the outcomes among the window's latest events", async () => {
    await recordOutcomes(pg.db, 0, 20);
    await recordEvents("task.started", FAILURE_SCAN_EVENTS);
    expect((await failureRateRule(pg.db, 0.2)).observations).toEqual([]);
  });
});
