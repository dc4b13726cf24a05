import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { createScheduler, type Scheduler } from "@/server/scheduler/loop";
import { setupTestDatabase } from "@/test/db";
import { scheduleInput } from "./inputs";
import { createSchedule } from "./manage";
import { createScheduleSweep } from "./sweep";

/**
 * Integration on real PostgreSQL: several instances (each its own pool and lock connection)
 * sweep one database. A fake clock, shared by the instances, makes the 1-second schedule's fire
 * times come at once instead of in real seconds; the races between instances are real.
 */
const pg = setupTestDatabase();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const admin = { tokenId: null, role: "admin" };

function fakeClock(start: Date) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (at: number) => {
      now = at;
    },
  };
}

/** A server instance: its own pool, its own scheduler loop with the schedule sweep. */
function instance(
  id: string,
  clock: () => Date,
): Scheduler & { end: () => Promise<void>; kill: () => Promise<void> } {
  const { db, sql: pool } = createDatabase(pg.url, { max: 3, applicationName: `tm-test-${id}` });
  const scheduler = createScheduler({
    url: pg.url,
    db,
    sweeps: [createScheduleSweep({ now: clock })],
    intervalS: 60,
    retryLeadershipS: 0.05,
    instanceId: id,
  });
  const end = async () => {
    await scheduler.stop();
    await pool.end({ timeout: 1 });
  };
  cleanups.push(end);
  // The process dies: its connections close at once, whatever they were doing.
  const kill = () => pool.end({ timeout: 0 });
  return Object.assign(scheduler, { end, kill });
}

async function everySecond(name: string, extra: Record<string, unknown> = {}) {
  const schedule = await createSchedule(
    pg.db,
    scheduleInput.parse({ name, everyS: 1, overlap: "allow", task: { name }, ...extra }),
    admin,
  );
  return { ...schedule, anchor: Date.parse(schedule.createdAt) };
}

async function firesOf(scheduleId: string) {
  const rows = await pg.db.execute<{ fire_at: string; outcome: string; task_id: string | null }>(
    sql`select fire_at, outcome, task_id from schedule_fires
        where schedule_id = ${scheduleId} order by fire_at`,
  );
  return rows.map((row) => ({ ...row, at: new Date(row.fire_at).getTime() }));
}

async function runsOf(scheduleId: string) {
  return pg.db.execute<{ id: string; schedule_fire_at: string }>(
    sql`select id, schedule_fire_at from tasks where schedule_id = ${scheduleId}`,
  );
}

describe("each fire happens exactly once", () => {
  it("two instances fire each of 200 due times of a 1-second schedule once", async () => {
    const schedule = await everySecond("two-instances");
    const clock = fakeClock(new Date(schedule.anchor));
    const a = instance("a", clock.now);
    const b = instance("b", clock.now);
    a.start();
    b.start();
    for (let step = 1; step <= 200; step++) {
      clock.set(schedule.anchor + step * 1000);
      // Both instances pass at once (as a manual pass may on a follower), and the leader's
      // own loop is woken to pass too: three sweeps race for every fire time.
      a.wake();
      b.wake();
      await Promise.all([a.runOnce(), b.runOnce()]);
    }
    // The leader's loop may still be in the pass of an earlier step, holding the schedule's row:
    // the manual passes of the last step skip it (SKIP LOCKED leaves it to its holder), and
    // stop() ends the loop before its next turn. So, as the next start would, one more pass
    // after the loops stopped makes what is still due.
    await Promise.all([a.stop(), b.stop()]);
    await a.runOnce();
    const fires = await firesOf(schedule.id);
    expect(fires.map((fire) => fire.at)).toEqual(
      Array.from({ length: 200 }, (_, i) => schedule.anchor + (i + 1) * 1000),
    );
    expect(fires.every((fire) => fire.outcome === "fired")).toBe(true);
    const runs = await runsOf(schedule.id);
    expect(runs).toHaveLength(200);
    expect(new Set(runs.map((run) => Date.parse(run.schedule_fire_at))).size).toBe(200);
    const [events] = await pg.db.execute<{ n: number }>(
      sql`select count(*)::int as n from task_events
          where kind = 'schedule.fired' and data->>'scheduleId' = ${schedule.id}`,
    );
    expect(events?.n).toBe(200);
  });

  it("an instance killed in the middle of a fire loses it to the other, which makes it once", async () => {
    const schedule = await everySecond("killed-leader");
    const clock = fakeClock(new Date(schedule.anchor + 1000));
    const a = instance("a-killed", clock.now);
    const b = instance("b-survivor", clock.now);

    // Hold the tasks table so A stops inside its fire transaction, after claiming the fire row.
    const locker = await pg.sql.reserve();
    await locker`begin`;
    await locker`lock table tasks in exclusive mode`;
    const passA = a.runOnce();
    await waitFor(async () => {
      const [row] = await pg.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where application_name = 'tm-test-a-killed' and wait_event_type = 'Lock'`;
      return (row?.n ?? 0) > 0;
    });
    await a.kill();
    await pg.sql`select pg_terminate_backend(pid) from pg_stat_activity
                 where application_name = 'tm-test-a-killed'`;
    await passA;
    expect(await firesOf(schedule.id)).toEqual([]); // A's fire row went with its transaction
    await locker`commit`;
    locker.release();

    await b.runOnce();
    // A comes back (a restarted process: a new pool) and passes again: nothing is doubled.
    await a.end();
    const aAgain = instance("a-restarted", clock.now);
    await aAgain.runOnce();
    await b.runOnce();

    const fires = await firesOf(schedule.id);
    expect(fires.map((fire) => fire.at)).toEqual([schedule.anchor + 1000]);
    expect(await runsOf(schedule.id)).toHaveLength(1);
  });

  it("a restart with catchup: all replays exactly the missed fires in the window", async () => {
    const schedule = await everySecond("catchup-all", { catchup: "all", catchupWindowS: 30 });
    const clock = fakeClock(new Date(schedule.anchor));
    const before = instance("before-downtime", clock.now);
    for (let step = 1; step <= 5; step++) {
      clock.set(schedule.anchor + step * 1000);
      await before.runOnce();
    }
    await before.end();
    // Down for a minute: fire times 6 … 65 s are due when the next instance starts.
    clock.set(schedule.anchor + 65_000);
    const after = instance("after-downtime", clock.now);
    await after.runOnce();
    await after.runOnce();

    const expected = [
      ...Array.from({ length: 5 }, (_, i) => schedule.anchor + (i + 1) * 1000),
      // The 30 s window: 35 … 64 s missed and replayed, 65 s on time.
      ...Array.from({ length: 31 }, (_, i) => schedule.anchor + (35 + i) * 1000),
    ];
    expect((await firesOf(schedule.id)).map((fire) => fire.at)).toEqual(expected);
    expect(await runsOf(schedule.id)).toHaveLength(36);
    const caughtUp = await pg.db.execute<{ data: { missed: number; replayed: number } }>(
      sql`select data from task_events where kind = 'schedule.caught_up'
          and data->>'scheduleId' = ${schedule.id}`,
    );
    expect(caughtUp.map((row) => row.data)).toEqual([
      expect.objectContaining({ missed: 59, replayed: 30 }),
    ]);
  });
});

async function waitFor(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setImmediate(resolve));
  }
}
