import { describe, expect, it } from "vitest";
import { formatClock, formatDuration, formatEta } from "./format";

describe("formatDuration", () => {
  it("reads at a glance at every scale", () => {
    expect(formatDuration(4.4)).toBe("4 s");
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(180)).toBe("3 min");
    expect(formatDuration(7500)).toBe("2 h 5 min");
    expect(formatDuration(-3)).toBe("0 s");
  });
});

describe("formatEta", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const finish = (s: number) => new Date(now + s * 1000).toISOString();

  it("gives the clock time and the time left, rounded up", () => {
    expect(formatEta(finish(330), now)).toBe(`ETA ${formatClock(now + 330_000)} (in ~6 min)`);
    expect(formatEta(finish(42), now)).toMatch(/\(in ~42 s\)$/);
    expect(formatEta(finish(3 * 3600), now)).toMatch(/\(in ~3 h\)$/);
  });

  it("says 'any moment' once the estimate has passed", () => {
    expect(formatEta(finish(-10), now)).toMatch(/\(any moment\)$/);
  });
});
