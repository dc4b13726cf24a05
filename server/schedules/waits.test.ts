import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { scheduleInput } from "./inputs";
import { createSchedule } from "./manage";
import { createScheduleSweep } from "./sweep";

const pg = setupTestDatabase();

it("a scheduled task with waitFor fires into `waiting`, and a run still waiting overlaps (skip)", async () => {
  const schedule = await createSchedule(
    pg.db,
    scheduleInput.parse({
      name: "gated-report",
      everyS: 1,
      overlap: "skip",
      task: { name: "gated report", waitFor: { signal: "approval", timeoutS: 60 } },
    }),
    { tokenId: null, role: "admin" },
  );
  let now = Date.parse(schedule.createdAt) + 1000;
  const sweep = createScheduleSweep({ now: () => new Date(now) });
  await sweep.run(pg.db);
  now += 1000;
  await sweep.run(pg.db);
  const fires = await pg.db.execute<{
    outcome: string;
    reason: string | null;
    state: string | null;
  }>(sql`
    select f.outcome, f.reason, t.state from schedule_fires f
    left join tasks t on t.id = f.task_id
    where f.schedule_id = ${schedule.id} order by f.fire_at`);
  expect(fires).toEqual([
    { outcome: "fired", reason: null, state: "waiting" },
    { outcome: "skipped", reason: "previous run unfinished", state: null },
  ]);
  const [task] = await pg.db.execute<{ wait_signal: string; wait_deadline: string | null }>(
    sql`select wait_signal, wait_deadline from tasks where schedule_id = ${schedule.id}`,
  );
  expect(task?.wait_signal).toBe("approval");
  expect(task?.wait_deadline).not.toBeNull();
  const kinds = await pg.db.execute<{ kind: string }>(sql`
    select kind from task_events where task_id in (select id from tasks where schedule_id = ${schedule.id})
    order by id`);
  expect(kinds.map((k) => k.kind)).toEqual(["task.submitted", "task.waiting", "schedule.fired"]);
});
