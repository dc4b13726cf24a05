import { describe, expect, it } from "vitest";
import { formatEvery, formatInZone } from "./format";
import { touchesSchedules } from "./use-schedules-live";

describe("schedule formatting", () => {
  it("shows an instant as the clock reads in the schedule's zone", () => {
    const at = "2026-03-08T07:00:00.000Z";
    expect(formatInZone(at, "America/New_York")).toMatch(/Sun,? 8 Mar 2026,? 03:00:00/);
    expect(formatInZone(at, "UTC")).toMatch(/07:00:00/);
    expect(formatInZone(at, "Not/AZone")).toMatch(/07:00:00/);
  });

  it("says an interval in the largest unit that divides it", () => {
    expect(formatEvery(90)).toBe("every 90 s");
    expect(formatEvery(120)).toBe("every 2 min");
    expect(formatEvery(7200)).toBe("every 2 h");
    expect(formatEvery(172_800)).toBe("every 2 d");
  });
});

describe("which events refresh the schedules page", () => {
  const event = (kind: string, taskId: string | null = null, workflowId: string | null = null) => ({
    kind,
    taskId,
    workflowId,
  });
  it("every schedule event, and events of the runs it shows, but no others", () => {
    const shown = new Set(["t1", "w1"]);
    expect(touchesSchedules([event("schedule.changed")], shown)).toBe(true);
    expect(touchesSchedules([event("task.succeeded", "t1")], shown)).toBe(true);
    expect(touchesSchedules([event("task.started", "t2", "w1")], shown)).toBe(true);
    expect(touchesSchedules([event("task.started", "t2"), event("agent.offline")], shown)).toBe(
      false,
    );
  });
});
