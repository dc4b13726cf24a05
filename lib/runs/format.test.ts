import { describe, expect, it } from "vitest";
import { formatClock, formatDuration, formatEta } from "./format";

describe("formatDuration", () => {
  it("reads at a glance at every scale", () => {
    expect(formatDuration(4.4)).toBe("4 s");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(180)).toBe("3 min");
    expect(formatDuration(7500)).toBe("2 h 5 min");
    expect(formatDuration(3 * 3600)).toBe("3 h");
    expect(formatDuration(50 * 3600)).toBe("2 d 2 h");
    expect(formatDuration(48 * 3600)).toBe("2 d");
    expect(formatDuration(-3)).toBe("0 s");
  });
});

describe("formatClock", () => {
  const now = new Date(2026, 0, 2, 14, 26, 0).getTime();

  it("gives the time, with seconds when asked", () => {
    const at = new Date(2026, 0, 2, 9, 5, 7).getTime();
    expect(formatClock(at)).toBe("09:05");
    expect(formatClock(new Date(at).toISOString(), { seconds: true })).toBe("09:05:07");
    expect(formatClock(at, { now })).toBe("09:05");
  });

  it("leads with the day when the time is not today", () => {
    const yesterday = new Date(2026, 0, 1, 23, 50, 0).getTime();
    expect(formatClock(yesterday, { now })).toBe("1 Jan 23:50");
    expect(formatClock(yesterday)).toBe("23:50");
  });
});

describe("formatEta", () => {
  const now = new Date(2026, 0, 2, 14, 26, 0).getTime();
  const finish = (s: number) => new Date(now + s * 1000).toISOString();

  it("words the ETA as the issue does", () => {
    expect(formatEta(new Date(2026, 0, 2, 14, 32, 0).toISOString(), now)).toBe(
      "ETA 14:32 (in ~6 min)",
    );
  });

  it("gives the time left rounded up", () => {
    expect(formatEta(finish(330), now)).toBe("ETA 14:31 (in ~6 min)");
    expect(formatEta(finish(42), now)).toBe("ETA 14:26 (in ~42 s)");
    expect(formatEta(finish(3 * 3600), now)).toBe("ETA 17:26 (in ~3 h)");
  });

  it("says 'any moment' once the estimate has passed", () => {
    expect(formatEta(finish(-10), now)).toBe("ETA 14:25 (any moment)");
  });

  it("leads with the day when the ETA is not today", () => {
    expect(formatEta(finish(10 * 3600), now)).toBe("ETA 3 Jan 00:26 (in ~10 h)");
  });
});
