import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Database = PostgresJsDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** What a domain function runs its SQL on: the pool, or a transaction it is part of. */
export type Executor = Database | Transaction;

export interface CreateDatabaseOptions {
  /** Pool size; postgres.js opens connections lazily up to this many. */
  max?: number;
  /** Shown in pg_stat_activity, so an operator can tell the server from tests and tools. */
  applicationName?: string;
}

/**
 * One connection pool and the drizzle handle over it. Callers own the pool's life: call
 * `sql.end()` when done (tests must, or the run hangs on open sockets).
 */
export function createDatabase(url: string, options: CreateDatabaseOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "task-manager" },
  });
  const db = drizzle(sql, { schema });
  return { sql, db };
}
