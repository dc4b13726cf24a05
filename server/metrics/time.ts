import { type SQL, sql } from "drizzle-orm";

/**
 * A timestamptz as epoch milliseconds. Raw `execute` hands timestamps back as PostgreSQL text
 * (with the session's offset); a number becomes one canonical ISO string in `isoFromMs`.
 */
export function epochMs(column: SQL): SQL<number> {
  return sql<number>`(extract(epoch from ${column}) * 1000)::float8`;
}

export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString();
}
