import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabase, type Database } from "@/db/client";
import { withDatabase } from "./database-url";

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** drizzle over `sql`'s pool. */
  readonly db: Database;
  readonly sql: ReturnType<typeof createDatabase>["sql"];
}

export interface UseTestDatabaseOptions {
  /**
   * false: an empty database instead of a clone of the migrated template, for tests of the
   * migrations themselves. Default true.
   */
  migrated?: boolean;
}

/**
 * A database of this test file's own, on the run's PostgreSQL (test/global-setup.ts). Call
 * at the top of the file: the database is created in beforeAll (a clone of the migrated
 * template, so every file starts from the same schema and no rows) and dropped in afterAll.
 * The returned handle's fields may be read only inside tests and hooks.
 */
export function setupTestDatabase(options: UseTestDatabaseOptions = {}): TestDatabase {
  const adminUrl = inject("adminDatabaseUrl");
  const template = inject("templateDatabase");
  let current: TestDatabase | undefined;

  beforeAll(async () => {
    const name = `tm_test_${randomBytes(6).toString("hex")}`;
    await withAdmin(adminUrl, async (admin) => {
      if (options.migrated === false) await admin`create database ${admin(name)}`;
      else await admin`create database ${admin(name)} template ${admin(template)}`;
    });
    const url = withDatabase(adminUrl, name);
    const { db, sql } = createDatabase(url, { max: 5, applicationName: "task-manager-test" });
    current = { name, url, db, sql };
  });

  afterAll(async () => {
    if (!current) return;
    const { name, sql } = current;
    current = undefined;
    await sql.end({ timeout: 5 });
    // FORCE: a connection a test forgot to close must not keep its database alive.
    await withAdmin(
      adminUrl,
      (admin) => admin`drop database if exists ${admin(name)} with (force)`,
    );
  });

  const get = (): TestDatabase => {
    if (!current) {
      throw new Error("setupTestDatabase(): the database exists only inside tests and hooks");
    }
    return current;
  };
  return {
    get name() {
      return get().name;
    },
    get url() {
      return get().url;
    },
    get db() {
      return get().db;
    },
    get sql() {
      return get().sql;
    },
  };
}

async function withAdmin<T>(adminUrl: string, run: (admin: postgres.Sql) => Promise<T>) {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}
