import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { oneTripTransaction } from "./one-trip-transaction";

const pg = setupTestDatabase();

beforeAll(async () => {
  await pg.db.execute(sql`create table one_trip_probe (id int primary key, note text)`);
});
afterAll(async () => {
  await pg.db.execute(sql`drop table if exists one_trip_probe`);
});

const count = async (id: number) => {
  const [row] = await pg.db.execute<{ n: number }>(
    sql`select count(*)::int as n from one_trip_probe where id = ${id}`,
  );
  return row?.n;
};

describe("oneTripTransaction", () => {
  it("runs the statements in order in one transaction: a later one sees an earlier one's write, and all commit", async () => {
    const outcome = await oneTripTransaction(pg.db, [
      sql`insert into one_trip_probe (id, note) values (${1}, ${"first"})`,
      sql`select note, txid_current() as tx from one_trip_probe where id = ${1}`,
      sql`select txid_current() as tx`,
    ]);
    expect(outcome?.committed).toBe(true);
    const [, read, last] = outcome?.results ?? [];
    const rows = read?.status === "fulfilled" ? [...read.value] : [];
    const tail = last?.status === "fulfilled" ? [...last.value] : [];
    expect(rows).toMatchObject([{ note: "first" }]);
    // One transaction: the same transaction id in both statements.
    expect((rows[0] as { tx: string }).tx).toBe((tail[0] as { tx: string }).tx);
    expect(await count(1)).toBe(1);
  });

  it("rolls back every statement when one fails, and reports that one's error", async () => {
    const outcome = await oneTripTransaction(pg.db, [
      sql`insert into one_trip_probe (id, note) values (${2}, ${"lost"})`,
      sql`select ${1}::int / ${0}::int as boom`,
    ]);
    expect(outcome?.committed).toBe(false);
    expect(outcome?.results[0]?.status).toBe("fulfilled");
    expect(outcome?.results[1]).toMatchObject({ status: "rejected" });
    expect(await count(2)).toBe(0);
    // The connection went back to the pool usable, outside any transaction.
    const again = await oneTripTransaction(pg.db, [
      sql`insert into one_trip_probe (id, note) values (${2}, ${"kept"})`,
    ]);
    expect(again?.committed).toBe(true);
    expect(await count(2)).toBe(1);
  });

  it("declines (undefined) when statements run unprepared, which would break the pipeline", async () => {
    const before = process.env.TM_PREPARED_STATEMENTS;
    process.env.TM_PREPARED_STATEMENTS = "0";
    try {
      expect(await oneTripTransaction(pg.db, [sql`select 1`])).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.TM_PREPARED_STATEMENTS;
      else process.env.TM_PREPARED_STATEMENTS = before;
    }
  });
});
