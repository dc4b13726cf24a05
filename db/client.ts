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
  /** Seconds a new connection may take to be ready. Default 10. */
  connectTimeoutS?: number;
}

/**
 * Seconds before a connection tries again after failing to connect: 0.1, 0.2, then 0.25 at
 * most. postgres.js's default grows to 20 s across the pool (its retry count is shared), so
 * after a database restart queries waited up to 20 s for a connection that could have been
 * made at once. Refused connections are cheap to retry, and the server answers 503 without
 * touching the pool while the database is known down (server/database-circuit.ts).
 */
export function reconnectBackoffS(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 0.25);
}

/**
 * One connection pool and the drizzle handle over it. Callers own the pool's life: call
 * `sql.end()` when done (tests must, or the run hangs on open sockets).
 */
export function createDatabase(url: string, options: CreateDatabaseOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    backoff: reconnectBackoffS,
    connect_timeout: options.connectTimeoutS ?? 10,
    connection: { application_name: options.applicationName ?? "task-manager" },
  });
  const db = drizzle(sql, { schema });
  return { sql, db };
}
