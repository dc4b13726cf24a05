import { type SQL, sql } from "drizzle-orm";

/**
 * A uuid[] parameter. drizzle expands a JS array into a list of parameters; one array literal
 * keeps `= any(...)` to a single parameter whatever the batch size.
 */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}

/**
 * A timestamptz as an ISO 8601 string. drizzle's raw `execute` hands timestamps back as
 * PostgreSQL's text form, which `new Date()` does not reliably parse.
 */
export function isoTime(column: SQL): SQL {
  return sql`(to_json(${column}) #>> '{}')`;
}
