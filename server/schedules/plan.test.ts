import { describe, expect, it } from "vitest";
import { MISSED_AFTER_MS, type PlanInput, planFires } from "./plan";
import { fireTimes, nextFireAfter } from "./times";

const t = (iso: string) => new Date(iso);
const everySecond = { everyS: 1, anchor: t("2026-01-01T00:00:00Z") };

function input(overrides: Partial<PlanInput>): PlanInput {
  return {
    timing: everySecond,
    overlap: "allow",
    catchup: "latest",
    catchupWindowS: 3600,
    endAt: null,
    nextFireAt: t("2026-01-01T00:00:10Z"),
    bufferedFireAt: null,
    now: t("2026-01-01T00:00:10.200Z"),
    unfinishedRuns: 0,
    ...overrides,
  };
}
const fired = (plan: ReturnType<typeof planFires>) =>
  plan.fires.filter((f) => f.outcome === "fired").map((f) => f.at.toISOString());

describe("fire times across DST", () => {
  const daily0230 = { cron: "30 2 * * *", timezone: "America/New_York" };
  it("runs a 02:30 daily once on the spring-forward day (02:30 does not exist)", () => {
    const times = fireTimes(daily0230, t("2026-03-07T12:00:00Z"), 3);
    expect(times.map((d) => d.toISOString())).toEqual([
      "2026-03-08T07:00:00.000Z", // 03:00 EDT, right after the gap
      "2026-03-09T06:30:00.000Z",
      "2026-03-10T06:30:00.000Z",
    ]);
  });
  it("runs a 01:30 daily once on the fall-back day (01:30 happens twice)", () => {
    const times = fireTimes(
      { cron: "30 1 * * *", timezone: "America/New_York" },
      t("2026-10-31T12:00:00Z"),
      3,
    );
    expect(times.map((d) => d.toISOString())).toEqual([
      "2026-11-01T05:30:00.000Z", // the first 01:30 (EDT) only
      "2026-11-02T06:30:00.000Z",
      "2026-11-03T06:30:00.000Z",
    ]);
  });
  it("plans one fire when a pass spans the spring-forward gap", () => {
    const plan = planFires(
      input({
        timing: daily0230,
        nextFireAt: t("2026-03-08T07:00:00Z"),
        now: t("2026-03-08T07:00:00.050Z"),
      }),
    );
    expect(fired(plan)).toEqual(["2026-03-08T07:00:00.000Z"]);
    expect(plan.nextFireAt?.toISOString()).toBe("2026-03-09T06:30:00.000Z");
  });
  it("plans one fire on the fall-back day, and the next is the following day", () => {
    const plan = planFires(
      input({
        timing: { cron: "30 1 * * *", timezone: "America/New_York" },
        nextFireAt: t("2026-11-01T05:30:00Z"),
        now: t("2026-11-01T06:30:00.010Z"), // the second 01:30 has come too
        catchup: "all",
        catchupWindowS: 7200,
      }),
    );
    expect(fired(plan)).toEqual(["2026-11-01T05:30:00.000Z"]);
    expect(plan.nextFireAt?.toISOString()).toBe("2026-11-02T06:30:00.000Z");
  });
  it("supports six fields with seconds", () => {
    const next = nextFireAfter(
      { cron: "*/15 * * * * *", timezone: "UTC" },
      t("2026-01-01T00:00:01Z"),
    );
    expect(next?.toISOString()).toBe("2026-01-01T00:00:15.000Z");
  });
});

describe("overlap policies", () => {
  it("skip: no new run while the previous is unfinished", () => {
    const plan = planFires(input({ overlap: "skip", unfinishedRuns: 1 }));
    expect(plan.fires).toEqual([
      { at: t("2026-01-01T00:00:10Z"), outcome: "skipped", reason: "previous run unfinished" },
    ]);
    expect(plan.nextFireAt?.toISOString()).toBe("2026-01-01T00:00:11.000Z");
    expect(fired(planFires(input({ overlap: "skip", unfinishedRuns: 0 })))).toHaveLength(1);
  });
  it("allow: fires whatever runs", () => {
    expect(fired(planFires(input({ overlap: "allow", unfinishedRuns: 3 })))).toHaveLength(1);
  });
  it("cancel_previous: fires and cancels the unfinished runs", () => {
    const plan = planFires(input({ overlap: "cancel_previous", unfinishedRuns: 1 }));
    expect(fired(plan)).toHaveLength(1);
    expect(plan.cancelPrevious).toBe(true);
    expect(planFires(input({ overlap: "cancel_previous" })).cancelPrevious).toBe(false);
  });
  it("buffer_one: keeps one fire until the run finishes, drops further ones", () => {
    const first = planFires(input({ overlap: "buffer_one", unfinishedRuns: 1 }));
    expect(first.fires).toEqual([]);
    expect(first.bufferedFireAt?.toISOString()).toBe("2026-01-01T00:00:10.000Z");

    const second = planFires(
      input({
        overlap: "buffer_one",
        unfinishedRuns: 1,
        bufferedFireAt: first.bufferedFireAt,
        nextFireAt: t("2026-01-01T00:00:11Z"),
        now: t("2026-01-01T00:00:11.100Z"),
      }),
    );
    expect(second.fires).toEqual([
      {
        at: t("2026-01-01T00:00:11Z"),
        outcome: "skipped",
        reason: "previous run unfinished and a fire already buffered",
      },
    ]);
    expect(second.bufferedFireAt).toEqual(first.bufferedFireAt);

    // The run finished between fire times: the buffered fire runs at once.
    const released = planFires(
      input({
        overlap: "buffer_one",
        bufferedFireAt: first.bufferedFireAt,
        nextFireAt: t("2026-01-01T00:00:12Z"),
        now: t("2026-01-01T00:00:11.500Z"),
      }),
    );
    expect(fired(released)).toEqual(["2026-01-01T00:00:10.000Z"]);
    expect(released.bufferedFireAt).toBeNull();
    expect(released.nextFireAt?.toISOString()).toBe("2026-01-01T00:00:12.000Z");
  });
});

describe("catch-up policies after a downtime", () => {
  // Down from 00:00:10 to 00:01:10: 61 fire times are due.
  const afterDowntime = { now: t("2026-01-01T00:01:10.300Z") };
  it("none: only a fire that is on time runs; the missed ones do not", () => {
    const plan = planFires(input({ ...afterDowntime, catchup: "none" }));
    expect(fired(plan)).toEqual(["2026-01-01T00:01:10.000Z"]);
    expect(plan.caughtUp).toEqual({ missed: 60, replayed: 0 });
    const late = planFires(
      input({
        catchup: "none",
        now: new Date(t("2026-01-01T00:00:10Z").getTime() + MISSED_AFTER_MS + 500),
        timing: { everyS: 3600, anchor: t("2026-01-01T00:00:10Z") },
      }),
    );
    expect(fired(late)).toEqual([]);
    expect(late.caughtUp).toEqual({ missed: 1, replayed: 0 });
  });
  it("latest: the latest due fire runs once", () => {
    const plan = planFires(input({ ...afterDowntime, catchup: "latest" }));
    expect(fired(plan)).toEqual(["2026-01-01T00:01:10.000Z"]);
    expect(plan.nextFireAt?.toISOString()).toBe("2026-01-01T00:01:11.000Z");
  });
  it("all: every missed fire within catchupWindowS runs, in order", () => {
    const plan = planFires(input({ ...afterDowntime, catchup: "all", catchupWindowS: 20 }));
    const times = fired(plan);
    expect(times).toHaveLength(20); // 00:00:51 … 00:01:10: the 20 s before now
    expect(times[0]).toBe("2026-01-01T00:00:51.000Z");
    expect(times.at(-1)).toBe("2026-01-01T00:01:10.000Z");
    expect(plan.caughtUp).toEqual({ missed: 60, replayed: 19 });
  });
});

describe("late, not down", () => {
  it("makes every fire of a pass late by less than MISSED_AFTER_MS, whatever the policy", () => {
    const plan = planFires(input({ catchup: "none", now: t("2026-01-01T00:00:13.500Z") }));
    expect(fired(plan)).toHaveLength(4);
    expect(plan.caughtUp).toBeNull();
  });
});

describe("startAt, endAt and the end of a schedule", () => {
  it("makes no fire after endAt, and ends the schedule", () => {
    const plan = planFires(
      input({
        now: t("2026-01-01T00:00:15.100Z"),
        endAt: t("2026-01-01T00:00:12Z"),
        catchup: "all",
      }),
    );
    expect(fired(plan)).toEqual([
      "2026-01-01T00:00:10.000Z",
      "2026-01-01T00:00:11.000Z",
      "2026-01-01T00:00:12.000Z",
    ]);
    expect(plan.nextFireAt).toBeNull();
  });
  it("makes nothing before nextFireAt (a paused schedule resumes with a later one)", () => {
    const plan = planFires(input({ now: t("2026-01-01T00:00:09.900Z") }));
    expect(plan.fires).toEqual([]);
    expect(plan.nextFireAt).toEqual(t("2026-01-01T00:00:10Z"));
  });
});
