import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { tasks } from "@/db/schema/tasks";
import { setupTestDatabase } from "@/test/db";
import { durationPercentiles } from "./durations";
import { failureRate } from "./failure-rate";
import { headline } from "./headline";
import { taskCountsByState } from "./task-counts";
import { throughputPerMinute } from "./throughput";

const pg = setupTestDatabase();

beforeEach(async () => {
  await pg.db.delete(tasks);
});

type State = "blocked" | "waiting" | "queued" | "running" | "succeeded" | "failed" | "cancelled";

/**
 * A task row with its timestamps set relative to the database clock: finished `agoS` seconds
 * ago, after running `runS` seconds, after waiting `waitS` seconds in the queue.
 */
async function task(
  state: State,
  times: { agoS?: number; runS?: number; waitS?: number; type?: string } = {},
) {
  const { agoS = 0, runS = 0, waitS = 0, type = "default" } = times;
  const finished = state === "succeeded" || state === "failed" || state === "cancelled";
  const started = finished || state === "running";
  await pg.db.execute(sql`
    insert into tasks (name, type, state, queued_at, started_at, finished_at)
    values (${`${state} task`}, ${type}, ${state}::task_state,
      now() - make_interval(secs => ${agoS + runS + waitS}),
      case when ${started} then now() - make_interval(secs => ${agoS + runS}) end,
      case when ${finished} then now() - make_interval(secs => ${agoS}) end)`);
}

/** An absolute time as SQL, so a test's rows don't move if the clock crosses a minute. */
async function insertFinishedAt(state: State, at: Date) {
  await pg.db.execute(sql`
    insert into tasks (name, state, finished_at)
    values ('t', ${state}::task_state, ${at.toISOString()}::timestamptz)`);
}

describe("taskCountsByState", () => {
  it("counts every state, 0 for the empty ones, as a GROUP BY does", async () => {
    for (const state of ["queued", "queued", "running", "failed", "waiting"] as const) {
      await task(state);
    }
    const counts = await taskCountsByState(pg.db);
    expect(counts).toEqual({
      blocked: 0,
      waiting: 1,
      queued: 2,
      running: 1,
      succeeded: 0,
      failed: 1,
      cancelled: 0,
    });
  });
});

describe("throughputPerMinute", () => {
  it("buckets finished tasks per minute by outcome, zero-filled, oldest first", async () => {
    const [row] = await pg.db.execute<{ ms: number }>(
      sql`select (extract(epoch from date_trunc('minute', now())) * 1000)::float8 as ms`,
    );
    const minute = row?.ms ?? 0;
    const at = (minutesBack: number, seconds: number) =>
      new Date(minute - minutesBack * 60_000 + seconds * 1000);
    await insertFinishedAt("succeeded", at(3, 10));
    await insertFinishedAt("succeeded", at(3, 50));
    await insertFinishedAt("failed", at(3, 59));
    await insertFinishedAt("cancelled", at(1, 5));
    await insertFinishedAt("succeeded", at(20, 0)); // before the window

    const points = await throughputPerMinute(pg.db, { sinceMinutes: 10 });
    expect(points).toHaveLength(10);
    const times = points.map((p) => Date.parse(p.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) === 60_000)).toBe(true);
    const point = (minutesBack: number) =>
      points.find((p) => p.at === new Date(minute - minutesBack * 60_000).toISOString());
    expect(point(3)).toMatchObject({ succeeded: 2, failed: 1, cancelled: 0 });
    expect(point(1)).toMatchObject({ succeeded: 0, failed: 0, cancelled: 1 });
    const total = points.reduce((sum, p) => sum + p.succeeded + p.failed + p.cancelled, 0);
    expect(total).toBe(4);
  });
});

describe("durationPercentiles", () => {
  it("gives p50/p90/p99 of queue wait and run time per type, finished in the window", async () => {
    for (const [i, n] of [1, 2, 3, 4, 5].entries()) {
      await task(i === 4 ? "failed" : "succeeded", {
        type: "build",
        agoS: 60,
        waitS: n * 10,
        runS: n * 100,
      });
    }
    await task("succeeded", { type: "deploy", agoS: 120, waitS: 7, runS: 3 });
    // Left out: cancelled, still running, finished before the window.
    await task("cancelled", { type: "build", agoS: 60, waitS: 5000, runS: 5000 });
    await task("running", { type: "build", waitS: 5000 });
    await task("succeeded", { type: "build", agoS: 7200, waitS: 5000, runS: 5000 });

    const result = await durationPercentiles(pg.db, { sinceMinutes: 60 });
    expect(result.map((r) => [r.type, r.count])).toEqual([
      ["build", 5],
      ["deploy", 1],
    ]);
    const build = result[0];
    // percentile_cont interpolates: p90 of 10..50 lies 0.6 of the way from 40 to 50.
    expect(build?.queueWait.p50).toBeCloseTo(30, 6);
    expect(build?.queueWait.p90).toBeCloseTo(46, 6);
    expect(build?.queueWait.p99).toBeCloseTo(49.6, 6);
    expect(build?.runTime.p50).toBeCloseTo(300, 6);
    expect(build?.runTime.p90).toBeCloseTo(460, 6);
    expect(build?.runTime.p99).toBeCloseTo(496, 6);
    expect(result[1]).toMatchObject({
      queueWait: { p50: 7, p90: 7, p99: 7 },
      runTime: { p50: 3, p90: 3, p99: 3 },
    });
  });
});

describe("failureRate", () => {
  it("is failed / (succeeded + failed) finished in the window, with the counts", async () => {
    expect(await failureRate(pg.db, { windowMinutes: 60 })).toEqual({
      windowMinutes: 60,
      succeeded: 0,
      failed: 0,
      rate: null,
    });
    for (const agoS of [600, 700, 800]) await task("succeeded", { agoS });
    await task("failed", { agoS: 300 });
    await task("failed", { agoS: 7200 }); // before the window
    await task("cancelled", { agoS: 60 }); // neither outcome
    await task("running");
    expect(await failureRate(pg.db, { windowMinutes: 60 })).toEqual({
      windowMinutes: 60,
      succeeded: 3,
      failed: 1,
      rate: 0.25,
    });
    expect(await failureRate(pg.db, { windowMinutes: 7 })).toMatchObject({ failed: 1, rate: 1 });
  });
});

describe("headline", () => {
  it("counts live states, failures of the last hour and throughput of the last 5 min", async () => {
    for (const state of [
      "running",
      "running",
      "queued",
      "queued",
      "queued",
      "blocked",
      "waiting",
    ] as const) {
      await task(state);
    }
    for (const agoS of [30, 60, 90, 120]) await task("succeeded", { agoS });
    await task("succeeded", { agoS: 400 }); // outside 5 min
    await task("failed", { agoS: 100 });
    await task("failed", { agoS: 1800 });
    await task("failed", { agoS: 4000 }); // outside the hour
    await task("cancelled", { agoS: 10 }); // not work done
    expect(await headline(pg.db)).toEqual({
      running: 2,
      queued: 3,
      waiting: 1,
      blocked: 1,
      failedLastHour: 2,
      throughputPerMinute: 1,
    });
  });
});
