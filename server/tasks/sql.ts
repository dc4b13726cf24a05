import { type SQL, sql } from "drizzle-orm";

/**
 * A uuid[] parameter: the array is one bound parameter, serialized (and escaped) by
 * postgres.js, so `= any(...)` stays one parameter whatever the batch size. drizzle would
 * expand a bare JS array into a list of parameters.
 */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${sql.param(ids)}::uuid[]`;
}

/** A text[] parameter (pool names, task types): one bound parameter, never a joined string. */
export function textArray(values: readonly string[]): SQL {
  return sql`${sql.param(values)}::text[]`;
}

/**
 * A timestamptz as an ISO 8601 string. drizzle's raw `execute` hands timestamps back as
 * PostgreSQL's text form, which `new Date()` does not reliably parse.
 */
export function isoTime(column: SQL): SQL {
  return sql`(to_json(${column}) #>> '{}')`;
}
