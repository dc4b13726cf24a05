import { z } from "zod";

// A UTF-16 code unit of a surrogate pair without its other half.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL would refuse (or silently change) this string, or null if it would store it
 * as sent: `text` and `jsonb` cannot hold U+0000, and a lone surrogate is not Unicode (jsonb
 * refuses its `\ud800` escape; UTF-8 encoding turns it into U+FFFD).
 */
export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (LONE_SURROGATE.test(value)) return "must be valid Unicode (it has a lone surrogate)";
  return null;
}

/**
 * A string PostgreSQL stores as sent: no U+0000, no lone surrogate. Chain zod's string checks
 * after it (`pgText().trim().min(1).max(200)`).
 */
export function pgText() {
  return z.string().superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
