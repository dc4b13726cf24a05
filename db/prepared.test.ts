import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { uuidArray } from "@/server/tasks/sql";
import { setupTestDatabase } from "@/test/db";
import { executePrepared } from "./prepared";
import { mapRows } from "./rows";

const pg = setupTestDatabase();

const ids = ["01a235c0-2b7d-7827-8f59-351ad359be95", "01a235c0-2dfa-7e4f-9fd3-3b078353b0af"];
const probe = (marker: string) =>
  sql`select ${marker}::text as marker, ${uuidArray(ids)} as ids, ${JSON.stringify({ a: 1 })}::jsonb as doc,
    ${2}::int + 1 as n`;

describe("executePrepared", () => {
  it("runs the statement as a named prepared statement on the transaction's connection", async () => {
    const marker = `prepared-${Date.now()}`;
    const prepared = await pg.db.transaction(async (tx) => {
      await executePrepared(tx, probe(marker));
      // The view lists this session's prepared statements: the transaction's connection.
      return tx.execute<{ n: number }>(
        sql`select count(*)::int as n from pg_prepared_statements where statement like ${`%${"::text as marker"}%`}`,
      );
    });
    expect(prepared[0]?.n).toBe(1);
  });

  it("returns what the unprepared statement returns, on the pool and in a transaction", async () => {
    const expected = [...(await pg.db.execute(probe("same")))];
    expect(expected).toEqual([{ marker: "same", ids, doc: { a: 1 }, n: 3 }]);
    expect([...(await executePrepared(pg.db, probe("same")))]).toEqual(expected);
    // Again: the second run on a connection uses the statement prepared by the first.
    expect([...(await executePrepared(pg.db, probe("same")))]).toEqual(expected);
    const inTransaction = await pg.db.transaction((tx) =>
      mapRows(tx, "probe", (row, c) => ({ n: c.number(row, "n") }), probe("same"), {
        prepared: true,
      }),
    );
    expect(inTransaction).toEqual([{ n: 3 }]);
  });
});
