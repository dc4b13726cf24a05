import { z } from "zod";
import { textProblem } from "./text";

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface JsonLimits {
  /** Largest JSON encoding of the value, in UTF-8 bytes. Read at each parse (configurable). */
  maxBytes: () => number;
  /** Deepest nesting of arrays and objects; the value itself is depth 1 if it is one. */
  maxDepth: () => number;
  /** The configuration key that sets `maxBytes`, named in the refusal. */
  bytesKey: string;
  depthKey: string;
}

export interface JsonIssue {
  /** Below the field: `["steps", 3, "name"]`. */
  path: (string | number)[];
  message: string;
}

/**
 * The first reason `value` is not JSON that PostgreSQL's jsonb stores as sent within the
 * limits, or null. Iterative, so no nesting can overflow the stack; it stops at the first
 * problem and never walks deeper than `maxDepth` or further than `maxBytes`.
 */
export function jsonProblem(value: unknown, limits: JsonLimits): JsonIssue | null {
  const maxBytes = limits.maxBytes();
  const maxDepth = limits.maxDepth();
  // The whole value is too large, not the item where the count went over: reported at the field.
  const tooLarge = () => ({
    path: [],
    message: `larger than ${maxBytes} bytes of JSON (the limit, ${limits.bytesKey})`,
  });
  let bytes = 0;
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [
    { value, path: [], depth: 0 },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { path, depth } = item;
    const current = item.value;
    if (current === null) bytes += 4;
    else if (typeof current === "boolean") bytes += current ? 4 : 5;
    else if (typeof current === "number") {
      if (!Number.isFinite(current)) return { path, message: "expected a finite number" };
      bytes += String(current).length;
    } else if (typeof current === "string") {
      const problem = textProblem(current);
      if (problem) return { path, message: problem };
      bytes += encodedLength(current);
    } else if (Array.isArray(current) || isPlainObject(current)) {
      if (depth + 1 > maxDepth) {
        return {
          path,
          message: `nested deeper than ${maxDepth} levels (the limit, ${limits.depthKey})`,
        };
      }
      const entries = Array.isArray(current) ? current.entries() : Object.entries(current);
      let count = 0;
      for (const [key, child] of entries) {
        if (typeof key === "string") {
          const problem = textProblem(key);
          if (problem) return { path: [...path, key], message: `key ${problem}` };
          bytes += encodedLength(key) + 1;
        }
        count += 1;
        // Checked on the way, so a huge container stops at the limit instead of being walked.
        if (bytes + count > maxBytes) return tooLarge();
        stack.push({ value: child, path: [...path, key], depth: depth + 1 });
      }
      // Brackets, and the commas between items.
      bytes += 2 + Math.max(count - 1, 0);
    } else {
      return { path, message: "expected a JSON value" };
    }
    if (bytes > maxBytes) return tooLarge();
  }
  return null;
}

/** A JSON field bounded by `limits`; each refusal names the path inside the value. */
export function jsonValue(limits: JsonLimits) {
  return z.custom<JsonValue>().superRefine((value, ctx) => {
    const issue = jsonProblem(value, limits);
    if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });
}

/** A JSON object (e.g. metadata) bounded by `limits`. */
export function jsonObject(limits: JsonLimits) {
  return z.custom<JsonObject>().superRefine((value, ctx) => {
    if (!isPlainObject(value)) {
      ctx.addIssue({ code: "custom", message: "expected an object" });
      return;
    }
    const issue = jsonProblem(value, limits);
    if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });
}

/** An object as JSON.parse makes one: not an array, a class instance or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// As JSON.stringify writes it (quotes and escapes included), in UTF-8.
function encodedLength(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}
