import { describe, expect, it } from "vitest";
import { formatDuration, formatEta } from "./format";

describe("run formatting", () => {
  it("durations", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(360)).toBe("6 min");
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe("3 h 05 min");
    expect(formatDuration(50 * 3600)).toBe("2 d 2 h");
  });

  it("the ETA as the issue words it", () => {
    const now = new Date(2026, 0, 2, 14, 26, 0).getTime();
    const finish = new Date(2026, 0, 2, 14, 32, 0).toISOString();
    expect(formatEta(finish, now)).toBe("ETA 14:32 (in ~6 min)");
    expect(formatEta(new Date(now + 10_000).toISOString(), now)).toBe("ETA 14:26 (any moment)");
  });
});
