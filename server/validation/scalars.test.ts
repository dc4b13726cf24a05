import { describe, expect, it } from "vitest";
import { z } from "zod";
import { int4 } from "./numbers";
import { boundedRecord } from "./record";
import { pgText } from "./text";
import { pgTimestamp } from "./timestamp";

const messages = (result: { error?: z.ZodError }) => result.error?.issues.map((i) => i.message);

describe("pgText", () => {
  it("refuses NUL and lone surrogates, keeps the string checks chained after it", () => {
    const name = pgText().trim().min(1).max(5);
    expect(name.parse("  ab  ")).toBe("ab");
    expect(messages(name.safeParse("a\u0000"))).toEqual([
      "must not contain the NUL character (U+0000)",
    ]);
    expect(messages(name.safeParse("\ud83d"))).toEqual([
      "must be valid Unicode (it has a lone surrogate)",
    ]);
    expect(name.safeParse("😀").success).toBe(true);
    expect(name.safeParse("abcdefg").success).toBe(false);
  });
});

describe("pgTimestamp", () => {
  const at = pgTimestamp();

  it("accepts instants from 0001-01-01 to 9999-12-31 UTC, with any offset", () => {
    expect(at.safeParse("0001-01-01T00:00:00Z").success).toBe(true);
    expect(at.safeParse("9999-12-31T23:59:59.999Z").success).toBe(true);
    expect(at.safeParse("2030-06-01T12:00:00+02:00").success).toBe(true);
    expect(at.safeParse("2024-02-29T00:00:00Z").success).toBe(true);
  });

  it("refuses a year 0, an instant past 9999, and a day the calendar has not", () => {
    const range = "must lie between 0001-01-01 and 9999-12-31 (UTC)";
    expect(messages(at.safeParse("0000-01-01T00:00:00Z"))).toEqual([range]);
    expect(messages(at.safeParse("0001-01-01T00:30:00+01:00"))).toEqual([range]);
    expect(messages(at.safeParse("9999-12-31T23:30:00-01:00"))).toEqual([range]);
    expect(at.safeParse("2025-02-29T00:00:00Z").success).toBe(false);
    expect(at.safeParse("2024-04-31T00:00:00Z").success).toBe(false);
    expect(at.safeParse("+010000-01-01T00:00:00Z").success).toBe(false);
  });
});

describe("int4", () => {
  it("holds what a PostgreSQL integer holds", () => {
    expect(int4().safeParse(2_147_483_647).success).toBe(true);
    expect(int4().safeParse(2_147_483_648).success).toBe(false);
    expect(int4().safeParse(-2_147_483_649).success).toBe(false);
  });
});

describe("boundedRecord", () => {
  it("counts the keys before looking at them: one issue for a huge object", () => {
    const record = boundedRecord(z.string().regex(/^a/), z.number(), 3);
    expect(record.parse({ a1: 1, a2: 2 })).toEqual({ a1: 1, a2: 2 });
    const huge = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`b${i}`, "x"]));
    expect(messages(record.safeParse(huge))).toEqual(["at most 3 keys"]);
    expect(record.safeParse({ b: 1 }).success).toBe(false);
  });
});
