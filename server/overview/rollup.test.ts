import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { taskStateEnum } from "@/db/schema/tasks";
import { pruneHistory } from "@/server/monitor/retention";
import { setupTestDatabase } from "@/test/db";
import { deferred } from "@/test/deferred";
import { makeAgent } from "@/test/engine";
import { addHistograms, bucketBoundsMs, bucketIndex, HISTOGRAM_BUCKETS } from "./histogram";
import { readOverview } from "./overview";
import { QUEUE_DEPTH_STATES, sampleQueueDepth } from "./queue-depth";
import { OVERVIEW_RANGES, rangeWindow } from "./ranges";
import { readWatermark, rollUpEvents } from "./rollup";
import { createOverviewSweep } from "./sweep";
import { type FinishedTask, insertFinishedTask, resetOverviewTables } from "./test-data";

const pg = setupTestDatabase();

beforeEach(() => resetOverviewTables(pg.db));

const MINUTE = 60_000;
/** Well inside the current hour's window, on whole minutes so each event's minute is known. */
const base = () => Math.floor(Date.now() / MINUTE) * MINUTE - 20 * MINUTE;

/**
 * alpha: 10 tasks, 9 waited 300 ms and one 30 s; 5 succeeded after 1.5 s, 5 failed after 7 s.
 * beta: 4 tasks that waited 40 ms and succeeded after 50 ms. Claims at minute 0, ends later.
 */
function knownSet(start: number, agentId?: string): FinishedTask[] {
  const alpha = Array.from({ length: 10 }, (_, i) => ({
    type: "alpha",
    outcome: i < 5 ? ("succeeded" as const) : ("failed" as const),
    startedAt: start + 1000 + i,
    waitMs: i === 9 ? 30_000 : 300,
    runMs: i < 5 ? 1500 : 7000,
    agentId,
  }));
  const beta = Array.from({ length: 4 }, (_, i) => ({
    type: "beta",
    outcome: "succeeded" as const,
    startedAt: start + 2000 + i,
    waitMs: 40,
    runMs: 50,
    agentId,
  }));
  return [...alpha, ...beta];
}

async function insertAll(tasks: FinishedTask[]) {
  for (const task of tasks) await insertFinishedTask(pg.db, task);
}

async function minuteTotals() {
  const [row] = await pg.db.execute<{ started: number; succeeded: number; failed: number }>(sql`
    select coalesce(sum(started), 0)::int as started, coalesce(sum(succeeded), 0)::int as succeeded,
      coalesce(sum(failed), 0)::int as failed from task_rollup where step_s = 60`);
  return row;
}

/** Whether `seconds` lies in the histogram bucket of `ms` (a percentile's stated accuracy). */
function inBucketOf(seconds: number | null | undefined, ms: number): boolean {
  if (seconds === null || seconds === undefined) return false;
  const { lower, upper } = bucketBoundsMs(bucketIndex(ms));
  return seconds * 1000 >= lower && seconds * 1000 <= upper;
}

describe("the rollup", () => {
  it("counts a known data set and reads p50/p95 from its buckets", async () => {
    const start = base();
    const agent = await makeAgent(pg.db, { name: "busy-one" });
    await insertAll(knownSet(start, agent.agentId));
    const report = await rollUpEvents(pg.db);
    expect(report.events).toBe(28);
    expect(await minuteTotals()).toEqual({ started: 14, succeeded: 9, failed: 5 });

    const overview = await readOverview(pg.db, { range: "1h" });
    expect(overview.totals).toMatchObject({ started: 14, succeeded: 9, failed: 5 });
    // 13 of 14 claims waited ≤ 300 ms: p50 in 300 ms' bucket, p95 in 30 s' bucket.
    expect(inBucketOf(overview.totals.waitP50, 300)).toBe(true);
    expect(inBucketOf(overview.totals.waitP95, 30_000)).toBe(true);
    const alpha = overview.types.find((t) => t.type === "alpha");
    expect(alpha).toMatchObject({ started: 10, succeeded: 5, failed: 5, failureRate: 0.5 });
    expect(inBucketOf(alpha?.runP50, 1500)).toBe(true);
    expect(inBucketOf(alpha?.runP95, 7000)).toBe(true);
    const beta = overview.types.find((t) => t.type === "beta");
    expect(beta).toMatchObject({ started: 4, succeeded: 4, failed: 0, failureRate: 0 });
    expect(inBucketOf(beta?.runP95, 50)).toBe(true);
    // The claims' minute holds all 14; the ends are spread over the minutes after.
    const claimMinute = overview.throughput.find((p) => p.at === start);
    expect(claimMinute?.started).toBe(14);
    expect(overview.throughput.reduce((sum, p) => sum + p.succeeded + p.failed, 0)).toBe(14);
    expect(overview.agents).toEqual([
      {
        id: agent.agentId,
        name: "busy-one",
        status: "online",
        started: 14,
        finished: 14,
        running: 0,
      },
    ]);
  });

  it("reads the same figures before the sweep folds the events in as after", async () => {
    const start = base();
    await insertAll(knownSet(start));
    const live = await readOverview(pg.db, { range: "1h", now: start + 30 * MINUTE });
    await rollUpEvents(pg.db, { batch: 5 });
    const rolled = await readOverview(pg.db, { range: "1h", now: start + 30 * MINUTE });
    expect(rolled.throughput).toEqual(live.throughput);
    expect(rolled.types).toEqual(live.types);
    expect(rolled.totals).toEqual(live.totals);
    // Half folded, half tail: still each event once.
    await insertAll(knownSet(start + MINUTE));
    await rollUpEvents(pg.db, { batch: 5, maxBatches: 2 });
    const half = await readOverview(pg.db, { range: "1h", now: start + 30 * MINUTE });
    expect(half.totals).toMatchObject({ started: 28, succeeded: 18, failed: 10 });
  });

  it("counts each event once under two concurrent runs", async () => {
    await insertAll(knownSet(base()));
    await insertAll(knownSet(base() + MINUTE));
    const reports = await Promise.all([
      rollUpEvents(pg.db, { batch: 3, maxBatches: 100 }),
      rollUpEvents(pg.db, { batch: 4, maxBatches: 100 }),
    ]);
    expect(reports.reduce((sum, r) => sum + r.events, 0)).toBe(56);
    expect(await minuteTotals()).toEqual({ started: 28, succeeded: 18, failed: 10 });
    const [max] = await pg.db.execute<{ id: number }>(
      sql`select max(id)::int as id from task_events`,
    );
    expect(await readWatermark(pg.db)).toBe(max?.id);
    const [totals] = await pg.db.execute<{ n: number }>(sql`
      select sum((select sum(x) from unnest(run_hist) x))::int as n from task_type_totals`);
    expect(totals?.n).toBe(28);
  });

  it("leaves counts and watermark untouched when a run dies before its commit", async () => {
    await insertAll(knownSet(base()));
    await expect(
      rollUpEvents(pg.db, {
        batch: 10,
        beforeCommit: async () => {
          throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    expect(await readWatermark(pg.db)).toBe(0);
    expect(await minuteTotals()).toEqual({ started: 0, succeeded: 0, failed: 0 });
    await rollUpEvents(pg.db, { batch: 10 });
    expect(await minuteTotals()).toEqual({ started: 14, succeeded: 9, failed: 5 });
    expect((await rollUpEvents(pg.db)).events).toBe(0);
  });

  it("stops before an event whose transaction is still open, and counts it after", async () => {
    const start = base();
    const released = deferred();
    const insertedOpen = deferred();
    // An open transaction takes an id first; a later one commits past it.
    const open = pg.db.transaction(async (tx) => {
      await tx.execute(sql`insert into task_events (kind, created_at)
        values ('task.started', to_timestamp(${start / 1000}::float8))`);
      insertedOpen.resolve();
      await released.promise;
    });
    await insertedOpen.promise;
    await insertAll(knownSet(start));
    const first = await rollUpEvents(pg.db);
    expect(first.events).toBe(0);
    released.resolve();
    await open;
    const second = await rollUpEvents(pg.db);
    expect(second.events).toBe(29);
  });

  it("keeps at most TYPE_TOTALS_CAP types in the all-time totals", async () => {
    const start = base();
    for (let i = 0; i < 55; i++) {
      await insertFinishedTask(pg.db, {
        type: `t${String(i).padStart(2, "0")}`,
        outcome: "succeeded",
        startedAt: start,
        waitMs: 10,
        runMs: 10,
      });
    }
    await rollUpEvents(pg.db);
    const rows = await pg.db.execute<{ type: string }>(sql`select type from task_type_totals`);
    expect(rows.length).toBe(51);
    expect(rows.map((r) => r.type)).toContain("_other");
  });
});

describe("the sweep", () => {
  it("folds new events, samples the queue depth once a minute, and asks to run again soon", async () => {
    await insertAll(knownSet(base()));
    // The sweep's clock, frozen early in a minute: every run falls in the same minute.
    const minute = Math.floor(Date.now() / MINUTE);
    vi.useFakeTimers({ toFake: ["Date"], now: minute * MINUTE + 5_000 });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const sweep = createOverviewSweep();
    const busy = await sweep.run(pg.db);
    expect(await minuteTotals()).toEqual({ started: 14, succeeded: 9, failed: 5 });
    const busyDue = busy.nextDueAt?.getTime() ?? 0;
    expect(busyDue).toBeLessThanOrEqual(Date.now() + 10_000);
    // A pass before then (an alert wake) leaves the rollup alone, new events and all.
    await insertAll(knownSet(base()));
    expect((await sweep.run(pg.db)).nextDueAt?.getTime()).toBe(busyDue);
    expect(await minuteTotals()).toEqual({ started: 14, succeeded: 9, failed: 5 });
    vi.setSystemTime(busyDue);
    const again = await sweep.run(pg.db);
    expect(await minuteTotals()).toEqual({ started: 28, succeeded: 18, failed: 10 });
    vi.setSystemTime(again.nextDueAt ?? 0);
    const idle = await sweep.run(pg.db);
    // Nothing new: the next minute's sample is the next thing due.
    expect(idle.nextDueAt?.getTime()).toBe((minute + 1) * MINUTE);
    const [samples] = await pg.db.execute<{ n: number }>(
      sql`select count(distinct minute)::int as n from queue_depth_samples`,
    );
    expect(samples?.n).toBe(1);

    // Events after an idle run are folded by a pass 10 s later, not only at the next minute.
    await insertAll(knownSet(base()));
    await sweep.run(pg.db);
    expect(await minuteTotals()).toEqual({ started: 28, succeeded: 18, failed: 10 });
    vi.setSystemTime(Date.now() + 10_000);
    await sweep.run(pg.db);
    expect(await minuteTotals()).toEqual({ started: 42, succeeded: 27, failed: 15 });
  });
});

describe("ranges", () => {
  it("draws every range with at most 300 buckets, coarser for long ranges", () => {
    const now = Date.UTC(2030, 0, 31, 12, 34, 56);
    const counts = Object.fromEntries(
      Object.keys(OVERVIEW_RANGES).map((range) => [
        range,
        rangeWindow(range as keyof typeof OVERVIEW_RANGES, now).buckets.length,
      ]),
    );
    expect(counts).toEqual({ "15m": 15, "1h": 60, "24h": 288, "7d": 168 });
    const week = rangeWindow("7d", now);
    expect(week.stepMs).toBe(3_600_000);
    expect(week.buckets.at(-1)).toBe(Date.UTC(2030, 0, 31, 12));
  });

  it("counts each duration in its bucket, the coarse buckets the sums of the minutes", async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
    await insertAll(knownSet(hour));
    await insertAll(knownSet(hour + 7 * MINUTE));
    await rollUpEvents(pg.db);
    const rows = await pg.db.execute<{ step_s: number; run_hist: number[]; wait_hist: number[] }>(
      sql`select step_s, run_hist, wait_hist from task_rollup
        where type = 'alpha' and bucket >= to_timestamp(${hour / 1000}) order by step_s, bucket`,
    );
    const histogram = (durations: Record<number, number>) => {
      const counts = Array<number>(HISTOGRAM_BUCKETS).fill(0);
      for (const [ms, n] of Object.entries(durations)) {
        const index = bucketIndex(Number(ms));
        counts[index] = (counts[index] ?? 0) + n;
      }
      return counts;
    };
    // Twice alpha: 18 waits of 300 ms and 2 of 30 s; 10 runs of 1.5 s and 10 of 7 s.
    const hourly = rows.find((row) => row.step_s === 3600);
    expect(hourly?.wait_hist).toEqual(histogram({ 300: 18, 30000: 2 }));
    expect(hourly?.run_hist).toEqual(histogram({ 1500: 10, 7000: 10 }));
    for (const step of [60, 300]) {
      const sum = rows
        .filter((row) => row.step_s === step)
        .reduce((total, row) => addHistograms(total, row.run_hist), [] as number[]);
      expect(sum).toEqual(hourly?.run_hist);
    }
  });

  it("adds the minutes of a coarse bucket together", async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
    await insertAll(knownSet(hour));
    await insertAll(knownSet(hour + 10 * MINUTE));
    await rollUpEvents(pg.db);
    const week = await readOverview(pg.db, { range: "7d" });
    expect(week.throughput.find((p) => p.at === hour)).toMatchObject({ started: 28 });
    const day = await readOverview(pg.db, { range: "24h" });
    expect(day.throughput.find((p) => p.at === hour)?.started).toBe(14);
    expect(day.throughput.find((p) => p.at === hour + 10 * MINUTE)?.started).toBe(14);
  });
});

describe("queue depth", () => {
  it("charts every unfinished state of the enum, sampled once a minute, now as the last point", async () => {
    expect(QUEUE_DEPTH_STATES).toEqual(
      taskStateEnum.enumValues.filter((s) => !["succeeded", "failed", "cancelled"].includes(s)),
    );
    await pg.db.execute(sql`insert into tasks (name, state) values ('a', 'queued'), ('b', 'queued'),
      ('c', 'blocked')`);
    expect(await sampleQueueDepth(pg.db)).toBe(true);
    await pg.db.execute(sql`insert into tasks (name, state) values ('d', 'queued')`);
    expect(await sampleQueueDepth(pg.db)).toBe(false);
    const overview = await readOverview(pg.db, { range: "15m" });
    expect(overview.queueDepth.states).toEqual(QUEUE_DEPTH_STATES);
    expect(overview.queueDepth.points.at(-1)?.counts).toMatchObject({
      queued: 3,
      blocked: 1,
      running: 0,
    });
    const [sample] = await pg.db.execute<{ count: number }>(
      sql`select count from queue_depth_samples where state = 'queued'`,
    );
    expect(sample?.count).toBe(2);
  });
});

describe("retention", () => {
  it("prunes rollup minutes older than samples_days and keeps the all-time totals", async () => {
    const old = Date.now() - 40 * 24 * 3_600_000;
    await insertAll(knownSet(old));
    await insertAll(knownSet(base()));
    await rollUpEvents(pg.db);
    await pg.db.execute(sql`insert into queue_depth_samples (minute, state, count)
      values (now() - interval '40 days', 'queued', 1), (now(), 'queued', 1)`);
    const report = await pruneHistory(pg.db, {
      eventsDays: 365,
      samplesDays: 30,
      logsDays: 365,
      tasksDays: 365,
    });
    expect(report.rollup).toBeGreaterThan(0);
    const [left] = await pg.db.execute<{ oldest: boolean; samples: number; agents: number }>(sql`
      select bool_and(bucket > now() - interval '30 days') as oldest,
        (select count(*) from queue_depth_samples)::int as samples,
        (select count(*) from agent_rollup where bucket < now() - interval '30 days')::int as agents
      from task_rollup`);
    expect(left).toEqual({ oldest: true, samples: 1, agents: 0 });
    expect(await minuteTotals()).toEqual({ started: 14, succeeded: 9, failed: 5 });
    const [totals] = await pg.db.execute<{ n: number }>(sql`
      select sum((select sum(x) from unnest(wait_hist) x))::int as n from task_type_totals`);
    expect(totals?.n).toBe(28);
  });
});
