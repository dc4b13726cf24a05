import { z } from "zod";

// PostgreSQL reads years 1 to 9999 in ISO form: a year 0 is an error, and drizzle writes a
// later year as "+010000-…", which it cannot read either.
const MIN_INSTANT = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_INSTANT = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * An ISO 8601 timestamp with an offset (`2025-01-31T09:00:00Z`, `…+02:00`) whose instant lies
 * from 0001-01-01 to 9999-12-31 UTC. zod's format check already refuses days the calendar has
 * not (a 30 February).
 */
export function pgTimestamp() {
  return z.iso.datetime({ offset: true }).superRefine((value, ctx) => {
    const instant = Date.parse(value);
    // NaN: not a timestamp at all, which the format check has reported.
    if (!Number.isNaN(instant) && (instant < MIN_INSTANT || instant > MAX_INSTANT)) {
      ctx.addIssue({ code: "custom", message: "must lie between 0001-01-01 and 9999-12-31 (UTC)" });
    }
  });
}
