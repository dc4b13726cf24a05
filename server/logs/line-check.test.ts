import { describe, expect, it } from "vitest";
import { z } from "zod";
import { logLineInput } from "./line";
import { type LineIssue, linesProblem, logLines, MAX_LINES_PER_CALL } from "./line-check";

// The zod schema the procedures used per line: the hand-written check must agree with it.
const reference = z.array(logLineInput).min(1).max(MAX_LINES_PER_CALL);

const ok = { level: "info", message: "m" };
const deep = (levels: number): unknown => (levels === 0 ? 1 : { a: deep(levels - 1) });

const cases: Record<string, unknown> = {
  "not an array": "lines",
  "no lines": [],
  "too many lines": Array.from({ length: MAX_LINES_PER_CALL + 1 }, () => ok),
  "a null line": [null],
  "an array as a line": [[]],
  "a string as a line": ["line"],
  "no level": [{ message: "m" }],
  "an unknown level": [{ level: "fatal", message: "m" }],
  "a number as level": [{ level: 3, message: "m" }],
  "no message": [{ level: "info" }],
  "a number as message": [ok, { level: "info", message: 1 }],
  "NUL in the message": [{ level: "info", message: "a\u0000b" }],
  "a lone surrogate": [{ level: "info", message: "a\uD800b" }],
  "a message over 1 MiB": [{ level: "info", message: "x".repeat(1024 * 1024 + 1) }],
  "an unknown key": [{ ...ok, extra: 1 }],
  "unknown keys": [{ ...ok, a: 1, b: 2 }],
  "fields as an array": [{ ...ok, fields: [] }],
  "fields as null": [{ ...ok, fields: null }],
  "fields as a string": [{ ...ok, fields: "x" }],
  "NUL deep in fields": [{ ...ok, fields: { a: { b: "\u0000" } } }],
  "NUL in a fields key": [{ ...ok, fields: { "k\u0000": 1 } }],
  "fields too deep": [{ ...ok, fields: deep(17) }],
  "fields too large": [{ ...ok, fields: { blob: "x".repeat(64 * 1024) } }],
  "a non-finite number in fields": [{ ...ok, fields: { n: Number.NaN } }],
  "at as a number": [{ ...ok, at: 5 }],
  "at as null": [{ ...ok, at: null }],
  "at without an offset": [{ ...ok, at: "2025-01-01T00:00:00" }],
  "at on 30 February": [{ ...ok, at: "2025-02-30T00:00:00Z" }],
  "at in year 0": [{ ...ok, at: "0000-01-01T00:00:00Z" }],
  "at as a word": [{ ...ok, at: "yesterday" }],
  "at before year 1 by its offset": [{ ...ok, at: "0001-01-01T00:30:00+01:00" }],
  "at after year 9999 by its offset": [{ ...ok, at: "9999-12-31T23:30:00-01:00" }],
  "a lone surrogate in a flat field": [{ ...ok, fields: { s: "\uDC00" } }],
  "undefined in fields": [{ ...ok, fields: { u: undefined } }],
  "a function in fields": [{ ...ok, fields: { f: () => 1 } }],
  "flat fields over 64 KiB": [{ ...ok, fields: { a: "x".repeat(40_000), b: "y".repeat(30_000) } }],
  "a bad level and an unknown key": [{ level: "x", message: "m", extra: 1 }],
};

const valid: Record<string, unknown> = {
  "a plain line": [ok],
  "flat fields near the limit": [
    { ...ok, fields: { a: "é".repeat(30_000), n: 1, b: true, z: null } },
  ],
  "years 1 and 9999": [
    { ...ok, at: "0001-01-01T00:00:00Z" },
    { ...ok, at: "9999-12-31T23:59:59Z" },
  ],
  "every field": [
    {
      level: "error",
      message: "é🎉",
      fields: { n: 1, deep: deep(14) },
      at: "2025-01-31T09:00:00Z",
    },
  ],
  "an offset and fractions": [{ ...ok, at: "2025-01-31T09:00:00.123456+02:00" }],
  "undefined optional fields": [{ ...ok, fields: undefined, at: undefined }],
  "a message of exactly 1 MiB": [{ level: "debug", message: "x".repeat(1024 * 1024) }],
  "the most lines": Array.from({ length: MAX_LINES_PER_CALL }, () => ok),
};

/** zod's first issue, as the check reports it. */
function zodIssue(value: unknown): LineIssue | null {
  const result = reference.safeParse(value);
  if (result.success) return null;
  const [first] = result.error.issues;
  return first ? { path: first.path as (string | number)[], message: first.message } : null;
}

describe("linesProblem", () => {
  it.each(Object.entries(cases))("refuses %s as the zod schema does", (_, value) => {
    const issue = linesProblem(value);
    expect(issue).not.toBeNull();
    expect(issue).toEqual(zodIssue(value));
  });

  it.each(Object.entries(valid))("takes %s as the zod schema does", (_, value) => {
    expect(zodIssue(value)).toBeNull();
    expect(linesProblem(value)).toBeNull();
  });

  it("names the line and its field at the procedure boundary", () => {
    const input = z.strictObject({ lines: logLines() });
    const result = input.safeParse({ lines: [ok, ok, { level: "info", message: "a\u0000" }] });
    expect(result.success).toBe(false);
    expect(z.flattenError(result.error as z.ZodError).fieldErrors).toEqual({
      lines: ["must not contain the NUL character (U+0000)"],
    });
    expect(result.error?.issues[0]?.path).toEqual(["lines", 2, "message"]);
  });
});
