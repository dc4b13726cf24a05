import { describe, expect, it } from "vitest";
import { ageOf, formatAge } from "./age";

describe("formatAge", () => {
  it.each([
    [0, "0 s"],
    [59_999, "59 s"],
    [60_000, "1 min"],
    [3_599_000, "59 min"],
    [3_600_000, "1 h"],
    [47 * 3_600_000, "47 h"],
    [48 * 3_600_000, "2 d"],
    [-5_000, "0 s"], // a clock slightly ahead of the server's
  ])("%d ms reads %s", (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });

  it("measures from an ISO timestamp or epoch ms", () => {
    const now = Date.parse("2026-01-01T00:01:00Z");
    expect(ageOf("2026-01-01T00:00:00Z", now)).toBe(60_000);
    expect(ageOf(now - 5, now)).toBe(5);
  });
});
