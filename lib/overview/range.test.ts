import { describe, expect, it } from "vitest";
import { formatSeconds } from "./format";
import { parseOverviewRange } from "./range";

describe("overview range and formats", () => {
  it("reads a known range from the URL and falls back to 1 h", () => {
    expect(parseOverviewRange("7d")).toBe("7d");
    expect(parseOverviewRange("15m")).toBe("15m");
    expect(parseOverviewRange("1y")).toBe("1h");
    expect(parseOverviewRange(null)).toBe("1h");
  });

  it("formats durations from milliseconds to days", () => {
    expect(formatSeconds(0.085)).toBe("85 ms");
    expect(formatSeconds(1.44)).toBe("1.4 s");
    expect(formatSeconds(200)).toBe("3 min 20 s");
    expect(formatSeconds(null)).toBe("—");
  });
});
