import { z } from "zod";
import { isPlainObject, jsonProblem, textProblem } from "@/server/validation";
import { fieldsLimits, LOG_LEVELS, type LogLineInput, MAX_MESSAGE_CHARS } from "./line";

/** Most lines in one item of tasks.log / tasks.logMany. */
export const MAX_LINES_PER_CALL = 10_000;

export interface LineIssue {
  /** From the `lines` array: `[3, "message"]`. */
  path: (string | number)[];
  message: string;
}

const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);
const KEYS: ReadonlySet<string> = new Set(["level", "message", "fields", "at"]);
const LEVEL_CHOICES = LOG_LEVELS.map((level) => `"${level}"`).join("|");
// zod's own pattern for z.iso.datetime({ offset: true }), so both accept the same texts.
const ISO_DATETIME = z.core.regexes.datetime({ offset: true, local: false, precision: null });
const MIN_INSTANT = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_INSTANT = Date.parse("9999-12-31T23:59:59.999Z");

/** How zod names a JS value's type in "expected …, received …". */
function received(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const expected = (type: string, value: unknown) =>
  `Invalid input: expected ${type}, received ${received(value)}`;

// Any surrogate, paired or not: a string with none needs no closer look for lone ones.
const SURROGATE = /[\uD800-\uDFFF]/;
// A string that may hold what textProblem refuses (NUL, a lone surrogate), in one cheap scan.
const suspect = (text: string) => text.includes("\u0000") || SURROGATE.test(text);

/**
 * Whether `fields` is the usual case, a flat object of small plain values, that jsonProblem
 * would take: decided without its walk (which allocates a path per value). Anything else,
 * nested values included, goes to jsonProblem, which also finds the refusal's exact words.
 */
function flatFieldsFit(fields: Record<string, unknown>): boolean {
  let bytes = 2;
  for (const key in fields) {
    const value = fields[key];
    if (suspect(key)) return false;
    // Key and value as JSON, quotes, colon and comma included; UTF-16 units ≤ 3 bytes each.
    bytes += key.length * 3 + 4;
    if (typeof value === "string") {
      if (suspect(value)) return false;
      bytes += value.length * 6 + 2;
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) return false;
      bytes += 24;
    } else if (typeof value === "boolean" || value === null) bytes += 5;
    else return false;
  }
  // An upper bound (every character escaped): over the limit, jsonProblem counts exactly.
  return bytes <= fieldsLimits.maxBytes();
}

/**
 * The first reason `line` is not a log line the API takes, or null: the rules (and messages)
 * of the zod schema `logLineInput`, checked by hand, because at tens of thousands of lines a
 * second zod's per-object machinery was a fifth of ingest's CPU (line-check.test.ts keeps the
 * two in step).
 */
export function lineProblem(line: unknown): LineIssue | null {
  if (typeof line !== "object" || line === null || Array.isArray(line)) {
    return { path: [], message: expected("object", line) };
  }
  const record = line as Record<string, unknown>;
  const { level, message, fields, at } = record;
  if (typeof level !== "string" || !LEVELS.has(level)) {
    return { path: ["level"], message: `Invalid option: expected one of ${LEVEL_CHOICES}` };
  }
  if (typeof message !== "string")
    return { path: ["message"], message: expected("string", message) };
  const textIssue = textProblem(message);
  if (textIssue) return { path: ["message"], message: textIssue };
  if (message.length > MAX_MESSAGE_CHARS) {
    return {
      path: ["message"],
      message: `Too big: expected string to have <=${MAX_MESSAGE_CHARS} characters`,
    };
  }
  if (fields !== undefined) {
    if (!isPlainObject(fields)) return { path: ["fields"], message: "expected an object" };
    if (!flatFieldsFit(fields)) {
      const issue = jsonProblem(fields, fieldsLimits);
      if (issue) return { path: ["fields", ...issue.path], message: issue.message };
    }
  }
  if (at !== undefined) {
    if (typeof at !== "string") return { path: ["at"], message: expected("string", at) };
    if (!ISO_DATETIME.test(at)) return { path: ["at"], message: "Invalid ISO datetime" };
    // Only years 0000, 0001 and 9999 can lie outside the range once an offset is applied.
    const instant = at < "0002" || at >= "9999" ? Date.parse(at) : MIN_INSTANT;
    if (!Number.isNaN(instant) && (instant < MIN_INSTANT || instant > MAX_INSTANT)) {
      return { path: ["at"], message: "must lie between 0001-01-01 and 9999-12-31 (UTC)" };
    }
  }
  // Checked last, as zod's strictObject does: a line's own field problems come first.
  const unknown = Object.keys(record).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `"${key}"`).join(", ");
    return {
      path: [],
      message: `Unrecognized key${unknown.length > 1 ? "s" : ""}: ${names}`,
    };
  }
  return null;
}

/** The first reason `lines` is not a call's lines (1 to MAX_LINES_PER_CALL of them), or null. */
export function linesProblem(lines: unknown): LineIssue | null {
  if (!Array.isArray(lines)) return { path: [], message: expected("array", lines) };
  if (lines.length < 1) return { path: [], message: "Too small: expected array to have >=1 items" };
  if (lines.length > MAX_LINES_PER_CALL) {
    return {
      path: [],
      message: `Too big: expected array to have <=${MAX_LINES_PER_CALL} items`,
    };
  }
  for (let index = 0; index < lines.length; index++) {
    const issue = lineProblem(lines[index]);
    if (issue) return { path: [index, ...issue.path], message: issue.message };
  }
  return null;
}

/**
 * A call's `lines` at the procedure boundary: one zod check for the whole array, whose refusal
 * names the line and its field (`lines.3.message`) as the per-line schema did.
 */
export const logLines = () =>
  z.custom<LogLineInput[]>().superRefine((value, ctx) => {
    const issue = linesProblem(value);
    if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });
