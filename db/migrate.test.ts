import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { migrateDatabase, migrationsFolder } from "./migrate";

const journal = JSON.parse(
  readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8"),
) as { entries: unknown[] };

describe("migrateDatabase", () => {
  // Empty: these tests apply the migrations themselves.
  const pg = setupTestDatabase({ migrated: false });

  async function appliedMigrations() {
    const rows = await pg.sql<{ count: number }[]>`
      select count(*)::int as count from drizzle.__drizzle_migrations`;
    return rows[0]?.count;
  }

  async function schemaShape() {
    return pg.sql<{ table_name: string; column_name: string; data_type: string }[]>`
      select table_name, column_name, data_type
      from information_schema.columns
      where table_schema = 'public'
      order by table_name, column_name`;
  }

  it("lets two instances starting together migrate a fresh database", async () => {
    await Promise.all([migrateDatabase(pg.url), migrateDatabase(pg.url)]);

    expect(await appliedMigrations()).toBe(journal.entries.length);
    expect((await schemaShape()).map((c) => c.table_name)).toContain("api_tokens");
  });

  it("does nothing when the database is already up to date", async () => {
    await migrateDatabase(pg.url);
    const before = { applied: await appliedMigrations(), shape: await schemaShape() };

    await migrateDatabase(pg.url);

    expect(await appliedMigrations()).toBe(before.applied);
    expect(await schemaShape()).toEqual(before.shape);
  });
});
