import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { scheduleInput } from "./inputs";
import { createSchedule } from "./manage";
import { createScheduleSweep } from "./sweep";

const pg = setupTestDatabase();
const admin = { tokenId: null, role: "admin" };

async function everySecond(name: string, kind: "task" | "workflow") {
  const spec =
    kind === "task" ? { task: { name } } : { workflow: { name, tasks: [{ key: "a", name: "a" }] } };
  return createSchedule(
    pg.db,
    scheduleInput.parse({ name, cron: "* * * * * *", overlap: "allow", ...spec }),
    admin,
  );
}

const firesOf = (id: string) =>
  pg.db.execute<{ fire_at: string; created_at: string }>(sql`
    select fire_at, created_at from schedule_fires where schedule_id = ${id}`);

describe("the sweep on the real clock", () => {
  it("prepares a fire due within its lead, waits for the instant, and never fires early", async () => {
    const task = await everySecond("lead-task", "task");
    const workflow = await everySecond("lead-workflow", "workflow");
    // Each its own: on a slow machine the two are created on either side of a second.
    const next = await pg.db.execute<{ id: string; at: string }>(sql`
      select id, next_fire_at as at from schedules where id in (${task.id}, ${workflow.id})`);
    const fireAt = new Map(next.map((row) => [row.id, Date.parse(row.at)]));

    // A lead longer than a second: whatever the clock reads now, the next fire is within it.
    const { nextDueAt } = await createScheduleSweep({ leadMs: 1500 }).run(pg.db);

    for (const id of [task.id, workflow.id]) {
      const fires = await firesOf(id);
      expect(fires.map((fire) => Date.parse(fire.fire_at))).toContain(fireAt.get(id));
      for (const fire of fires) {
        expect(Date.parse(fire.created_at)).toBeGreaterThanOrEqual(Date.parse(fire.fire_at));
      }
    }
    // The loop is asked to wake the lead before the following fire time.
    const [after] = await pg.db.execute<{ at: string }>(
      sql`select min(next_fire_at) as at from schedules`,
    );
    expect(nextDueAt?.getTime()).toBe(Date.parse(after?.at ?? "") - 1500);
  });
});
