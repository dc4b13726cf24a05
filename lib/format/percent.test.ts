import { describe, expect, it } from "vitest";
import { formatPercent } from "./percent";

describe("formatPercent", () => {
  it("rounds to whole percent, keeping a decimal for small non-zero values", () => {
    expect(formatPercent(0)).toBe("0 %");
    expect(formatPercent(0.856)).toBe("86 %");
    expect(formatPercent(0.0123)).toBe("1.2 %");
    expect(formatPercent(1.25)).toBe("125 %");
  });
});
