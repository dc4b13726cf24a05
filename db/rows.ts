import { getTableColumns, getTableName, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Executor } from "./client";
import { executePrepared } from "./prepared";

/**
 * Raw statements (`db.execute`) return what postgres.js hands drizzle, which is not what a
 * table's builder returns: bigint, numeric and count(*) come back as strings, timestamps as
 * PostgreSQL's text (`2026-01-02 03:04:05.678+00`), json(b) parsed, int4/float8 as numbers.
 * Every raw row is parsed or mapped here, at the boundary, so a row type is a checked fact
 * rather than an assertion; a statement whose columns drift from its declared shape fails
 * loudly (RowShapeError) instead of passing a string on where a number was promised.
 */

/** A row did not have the shape its query declared: a bug in our SQL, never bad input. */
export class RowShapeError extends Error {
  constructor(
    /** What the query is for ("claim due webhook deliveries"), to find it from a log line. */
    readonly purpose: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    // Names the query and the column, never a value: rows may hold secrets or user text.
    super(`row of "${purpose}" has an unexpected shape: ${detail}`, options);
    this.name = "RowShapeError";
  }
}

/** Runs `query` and parses each row with `schema` (zod). For everything off the hot paths. */
export async function queryRows<S extends z.ZodType>(
  db: Executor,
  purpose: string,
  schema: S,
  query: SQL,
): Promise<z.output<S>[]> {
  const rows = await db.execute(query);
  const parsed: z.output<S>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const result = schema.safeParse(rows[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "row";
      throw new RowShapeError(purpose, `${where}: ${issue?.message ?? "invalid"}`, {
        cause: result.error,
      });
    }
    parsed[i] = result.data;
  }
  return parsed;
}

/** The first row parsed, or undefined when the statement returned none. */
export async function queryRow<S extends z.ZodType>(
  db: Executor,
  purpose: string,
  schema: S,
  query: SQL,
): Promise<z.output<S> | undefined> {
  const [row] = await queryRows(db, purpose, schema, query);
  return row;
}

/** One raw row as postgres.js returns it, for a mapper to read. */
export type RawRow = Readonly<Record<string, unknown>>;

/**
 * Runs `query` and converts each row with a hand-written mapper. For the hot paths (claim,
 * completion, event feed reads) where a zod parse per row shows in the benchmark; the mapper
 * reads columns with the checked readers below, so a drifted column still throws.
 * `prepared`: run as a named prepared statement (db/prepared.ts), for statements of a fixed text.
 */
export async function mapRows<Row>(
  db: Executor,
  purpose: string,
  map: (row: RawRow, column: ColumnReader) => Row,
  query: SQL,
  options: { prepared?: boolean } = {},
): Promise<Row[]> {
  const rows = options.prepared ? await executePrepared(db, query) : await db.execute(query);
  return mapResult(purpose, map, rows);
}

/** mapRows for rows a statement already returned (db/one-trip-transaction.ts). */
export function mapResult<Row>(
  purpose: string,
  map: (row: RawRow, column: ColumnReader) => Row,
  rows: readonly unknown[],
): Row[] {
  const column = columnReader(purpose);
  const mapped: Row[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) mapped[i] = map(rows[i] as RawRow, column);
  return mapped;
}

/**
 * Rows of `table` that a statement built by drizzle returned (`insert … returning *` sent
 * through db/one-trip-transaction.ts rather than drizzle's own execute), each column mapped by
 * its own mapper as drizzle maps it: the same row `returning()` gives.
 */
export function tableRows<T extends PgTable>(
  table: T,
  rows: readonly unknown[],
): T["$inferSelect"][] {
  const columns = Object.entries(getTableColumns(table));
  return rows.map((raw) => {
    const row: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const value = (raw as RawRow)[column.name];
      if (value === undefined) {
        throw new RowShapeError(getTableName(table), `column ${column.name} is missing`);
      }
      row[key] = value === null ? null : column.mapFromDriverValue(value);
    }
    return row as T["$inferSelect"];
  });
}

/** Checked reads of one column, each throwing RowShapeError naming the query and column. */
export interface ColumnReader {
  string(row: RawRow, name: string): string;
  nullableString(row: RawRow, name: string): string | null;
  /** int4/float8 (a number), or bigint/numeric/count (a string) as a number. */
  number(row: RawRow, name: string): number;
  nullableNumber(row: RawRow, name: string): number | null;
  boolean(row: RawRow, name: string): boolean;
  /** A timestamptz, as PostgreSQL's text or ISO 8601 (`isoTime`). */
  date(row: RawRow, name: string): Date;
  nullableDate(row: RawRow, name: string): Date | null;
  /** One of a fixed set of strings (an enum's values). */
  member<T extends string>(row: RawRow, name: string, values: readonly T[]): T;
  nullableMember<T extends string>(row: RawRow, name: string, values: readonly T[]): T | null;
  /** A json(b) object of numbers (resource amounts). */
  numberRecord(row: RawRow, name: string): Record<string, number>;
  nullableNumberRecord(row: RawRow, name: string): Record<string, number> | null;
}

function columnReader(purpose: string): ColumnReader {
  const fail = (name: string, expected: string, value: unknown): never => {
    throw new RowShapeError(purpose, `${name}: expected ${expected}, got ${kindOf(value)}`);
  };
  const string = (row: RawRow, name: string) => {
    const value = row[name];
    return typeof value === "string" ? value : fail(name, "a string", value);
  };
  const number = (row: RawRow, name: string) => {
    const value = row[name];
    const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
    return Number.isFinite(n) ? n : fail(name, "a number", value);
  };
  const date = (row: RawRow, name: string) => {
    const value = row[name];
    const d = typeof value === "string" ? parsePgTime(value) : value instanceof Date ? value : null;
    return d && !Number.isNaN(d.getTime()) ? d : fail(name, "a timestamp", value);
  };
  const member = <T extends string>(row: RawRow, name: string, values: readonly T[]): T => {
    const value = row[name];
    return values.includes(value as T) ? (value as T) : fail(name, "an enum value", value);
  };
  const numberRecord = (row: RawRow, name: string): Record<string, number> => {
    const value = row[name];
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return fail(name, "an object", value);
    }
    for (const amount of Object.values(value)) {
      if (typeof amount !== "number") fail(name, "an object of numbers", amount);
    }
    return value as Record<string, number>;
  };
  return {
    string,
    nullableString: (row, name) => (row[name] === null ? null : string(row, name)),
    number,
    nullableNumber: (row, name) => (row[name] === null ? null : number(row, name)),
    boolean: (row, name) => {
      const value = row[name];
      return typeof value === "boolean" ? value : fail(name, "a boolean", value);
    },
    date,
    nullableDate: (row, name) => (row[name] === null ? null : date(row, name)),
    member,
    nullableMember: (row, name, values) => (row[name] === null ? null : member(row, name, values)),
    numberRecord,
    nullableNumberRecord: (row, name) => (row[name] === null ? null : numberRecord(row, name)),
  };
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "no such column";
  return typeof value;
}

/**
 * PostgreSQL's timestamptz text (`2026-01-02 03:04:05.678+00`, offsets `+05:30`) or ISO 8601
 * as a Date. `new Date()` reads the text form only in some engines, hence the rewrite.
 */
export function parsePgTime(text: string): Date {
  const iso = text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  return new Date(iso);
}

/** Column schemas for `queryRows`, matching what a raw statement returns. */
export const col = {
  /** bigint, numeric or count(*) (strings on the wire), or int4/float8: a finite number. */
  number: () =>
    z
      .union([z.number(), z.string().min(1)])
      .transform(Number)
      .pipe(z.number()),
  /** A timestamptz (text or ISO 8601) as a Date. */
  date: () =>
    z
      .union([z.string(), z.date()])
      .transform((value) => (typeof value === "string" ? parsePgTime(value) : value))
      .pipe(z.date()),
};
