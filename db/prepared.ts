import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Executor } from "./client";
import { fastToQuery, type Query } from "./fast-query";

/**
 * Runs a raw statement as a named prepared statement on the connection it would run on.
 *
 * drizzle's `execute` hands postgres.js every raw statement unprepared, which costs each call
 * two round trips (Parse and Describe, then Bind and Execute, since the parameters' types are
 * asked first) and a parse and a plan in PostgreSQL. For the statements of every claim and
 * completion that is most of their cost: the claim's candidate statement took longer to plan
 * (2.3 ms) than to run (2.1 ms). Prepared, a statement is parsed once per connection, and
 * PostgreSQL's plan cache may keep a generic plan.
 *
 * Only for statements whose text is one of a few fixed variants: postgres.js keeps every
 * prepared text per connection for the connection's life, and so does PostgreSQL.
 *
 * `TM_PREPARED_STATEMENTS=0` runs them unprepared, for an A/B benchmark run.
 */
export async function executePrepared(db: Executor, query: SQL): Promise<readonly unknown[]> {
  const client = preparing ? clientOf(db) : undefined;
  if (!client) return db.execute(query);
  const { sql, params } = toQuery(query);
  return client.unsafe(sql, params, { prepare: true });
}

/** A drizzle SQL object as the text and parameters postgres.js takes (db/fast-query.ts). */
export function toQuery(query: SQL): Query {
  return fastToQuery(query) ?? dialect.sqlToQuery(query);
}

const dialect = new PgDialect();
const preparing = process.env.TM_PREPARED_STATEMENTS !== "0";

export interface PostgresClient {
  unsafe(query: string, params: unknown[], options: { prepare: boolean }): Promise<unknown[]>;
}

/**
 * The postgres.js client under a drizzle database or transaction (drizzle keeps it on its
 * session, which its types mark internal). db/prepared.test.ts fails should that move; until
 * then, and for any other executor, the statement runs through `execute`, unprepared.
 */
export function clientOf(db: Executor): PostgresClient | undefined {
  const client = (db as unknown as { session?: { client?: Partial<PostgresClient> } }).session
    ?.client;
  return typeof client?.unsafe === "function" ? (client as PostgresClient) : undefined;
}
