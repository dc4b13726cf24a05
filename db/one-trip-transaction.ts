import type { SQL } from "drizzle-orm";
import type { Sql } from "postgres";
import type { Database } from "./client";
import { clientOf, toQuery } from "./prepared";

/** What each statement of a one-trip transaction did, and whether the transaction committed. */
export interface OneTripOutcome {
  results: PromiseSettledResult<readonly unknown[]>[];
  /** false: a statement failed, and PostgreSQL rolled the whole transaction back. */
  committed: boolean;
}

/**
 * Runs `statements` as one transaction in a single round trip: BEGIN, the statements (prepared)
 * and COMMIT are written together on one connection, and PostgreSQL runs them in order. A
 * transaction through `db.transaction` waits for each of them in turn, and on this machine a
 * round trip to PostgreSQL costs the server more than the statements: a chain's hop made five.
 *
 * For statements that do not need each other's results in the client: a later statement reads
 * what an earlier one wrote in SQL. Should one fail, PostgreSQL skips the rest and COMMIT rolls
 * back (every statement carries its own Sync, so the failure is its alone to report).
 *
 * Returns undefined when `db` is not a postgres.js pool (the caller runs its usual transaction),
 * or when statements are not prepared (TM_PREPARED_STATEMENTS=0): an unprepared statement with
 * parameters is described first, which breaks the pipeline.
 */
export async function oneTripTransaction(
  db: Database,
  statements: readonly SQL[],
): Promise<OneTripOutcome | undefined> {
  const pool = clientOf(db) as Partial<Sql> | undefined;
  if (!pool?.reserve || process.env.TM_PREPARED_STATEMENTS === "0") return undefined;
  const connection = await pool.reserve();
  try {
    // Started in order here, written together by postgres.js (it batches writes until the
    // next turn of the event loop), answered in order.
    const begin = connection.unsafe("begin").execute();
    const runs = statements.map((statement) => {
      const { sql, params } = toQuery(statement);
      return connection.unsafe(sql, params as never[], { prepare: true }).execute();
    });
    const commit = connection.unsafe("commit").execute();
    const [begun, ...settled] = await Promise.allSettled([begin, ...runs, commit]);
    const committed = settled.pop();
    if (begun?.status === "rejected") throw begun.reason;
    if (committed?.status === "rejected") throw committed.reason;
    const results = settled as PromiseSettledResult<readonly unknown[]>[];
    return {
      results,
      committed:
        (committed?.value as { command?: string } | undefined)?.command === "COMMIT" &&
        results.every((result) => result.status === "fulfilled"),
    };
  } finally {
    connection.release();
  }
}
