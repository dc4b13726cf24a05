import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { textArray, uuidArray } from "@/server/tasks/sql";
import { setupTestDatabase } from "@/test/db";
import { col, mapRows, parsePgTime, queryRow, queryRows, RowShapeError } from "./rows";

const pg = setupTestDatabase();

describe("queryRows", () => {
  it("parses bigint, count, numeric and timestamps as a raw statement returns them", async () => {
    const row = await queryRow(
      pg.db,
      "wire types",
      z.object({ id: col.number(), n: col.number(), c: col.number(), at: col.date() }),
      sql`select 9007199254740991::bigint as id, 1.5::numeric as n, count(*) as c,
        '2026-01-02 03:04:05.678+02'::timestamptz as at from (values (1), (2)) v`,
    );
    expect(row).toEqual({
      id: 9007199254740991,
      n: 1.5,
      c: 2,
      at: new Date("2026-01-02T01:04:05.678Z"),
    });
  });

  it("fails loudly, naming the query, when a row does not match its declared shape", async () => {
    // As webhook.ts once declared a bigserial `id: number` and got a string.
    const query = sql`select 1::bigint as id`;
    const shape = z.object({ id: z.number() });
    const failure = queryRows(pg.db, "claim due webhook deliveries", shape, query);
    await expect(failure).rejects.toBeInstanceOf(RowShapeError);
    await expect(failure).rejects.toThrow(/"claim due webhook deliveries".*id/);
  });
});

describe("mapRows", () => {
  it("reads columns through checked readers that throw on a drifted column", async () => {
    const read = (query: ReturnType<typeof sql>) =>
      mapRows(
        pg.db,
        "mapped",
        (row, c) => ({ id: c.number(row, "id"), at: c.nullableDate(row, "at") }),
        query,
      );
    expect(await read(sql`select 7::bigint as id, null::timestamptz as at`)).toEqual([
      { id: 7, at: null },
    ]);
    await expect(read(sql`select 'x' as id, null as at`)).rejects.toThrow(/"mapped".*id/);
  });

  it("reads PostgreSQL's timestamp text with any offset", () => {
    expect(parsePgTime("2026-01-02 03:04:05+05:30").toISOString()).toBe("2026-01-01T21:34:05.000Z");
    expect(parsePgTime("2026-01-02T03:04:05.000Z").toISOString()).toBe("2026-01-02T03:04:05.000Z");
  });
});

describe("array parameters", () => {
  it("passes text elements holding commas, quotes, braces and backslashes as they are", async () => {
    const values = ["a,b", 'c"d', "{e}", "f\\g", "NULL", ""];
    const rows = await queryRows(
      pg.db,
      "unnest text",
      z.object({ v: z.string() }),
      sql`select unnest(${textArray(values)}) as v`,
    );
    // A joined literal read "a,b" as two elements and "NULL" as null.
    expect(rows.map((row) => row.v)).toEqual(values);
  });

  it("never reads one uuid element as two", async () => {
    const a = "00000000-0000-0000-0000-00000000000a";
    const b = "00000000-0000-0000-0000-00000000000b";
    const rows = await queryRows(
      pg.db,
      "matched uuids",
      z.object({ id: z.string() }),
      sql`select id from (values (${a}::uuid), (${b}::uuid)) v(id) where id = any(${uuidArray([a])})`,
    );
    expect(rows).toEqual([{ id: a }]);
    // A string joined into a literal would have matched both rows.
    const failure = await pg.db
      .execute(sql`select 1 where ${a}::uuid = any(${uuidArray([`${a},${b}`])})`)
      .catch((error: unknown) => error);
    expect((failure as Error).cause).toMatchObject({ code: "22P02" }); // invalid_text_representation
  });
});

describe("the boundary", () => {
  it("leaves no raw statement typed by assertion (db.execute<T>) outside tests", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const offenders: string[] = [];
    for (const dir of ["server", "db", "scripts"]) {
      const files = await readdir(dir, { recursive: true });
      for (const file of files) {
        if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
        const text = await readFile(`${dir}/${file}`, "utf8");
        if (/\.execute</.test(text)) offenders.push(`${dir}/${file}`);
      }
    }
    // Parse rows with queryRows (zod) or mapRows (db/rows.ts) instead.
    expect(offenders).toEqual([]);
  });
});
