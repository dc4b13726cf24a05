import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { migrateDatabase, migrationsFolder } from "./migrate";

interface Journal {
  entries: { tag: string }[];
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/**
 * Migrates `url` up to, not including, the migration `tag`: a copy of the folder whose
 * journal ends before it, as a database deployed before that migration was written.
 */
async function migrateBefore(url: string, tag: string) {
  const folder = mkdtempSync(path.join(tmpdir(), "tm-migrations-"));
  folders.push(folder);
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as Journal;
  const at = journal.entries.findIndex((entry) => entry.tag === tag);
  expect(at).toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: folder });
  } finally {
    await sql.end();
  }
}

describe("0014_workflow_key_partial over a database with tasks", () => {
  const pg = setupTestDatabase({ migrated: false });

  const indexDefinition = async () => {
    const [index] = await pg.sql<{ def: string }[]>`
      select pg_get_indexdef('tasks_workflow_key_idx'::regclass) as def`;
    return index?.def;
  };

  it("keeps every task and the uniqueness of a workflow's keys", async () => {
    await migrateBefore(pg.url, "0014_workflow_key_partial");
    expect(await indexDefinition()).not.toMatch(/WHERE/);
    const [workflow] = await pg.sql<{ id: string }[]>`
      insert into workflows (name) values ('deployed') returning id`;
    const workflowId = workflow?.id ?? "";
    await pg.sql`insert into tasks (workflow_id, key, name, state)
      select ${workflowId}, 'step ' || n, 'step ' || n, 'succeeded' from generate_series(1, 50) n`;
    // Standalone tasks sharing a key: allowed before (nulls are distinct), so they must not
    // stop the new index from being built.
    await pg.sql`insert into tasks (key, name, state)
      select case when n % 2 = 0 then 'same' end, 'solo ' || n, 'succeeded'
      from generate_series(1, 500) n`;

    await migrateDatabase(pg.url);

    expect(await indexDefinition()).toMatch(
      /^CREATE UNIQUE INDEX tasks_workflow_key_idx .*\(workflow_id, key\) WHERE \(workflow_id IS NOT NULL\)$/,
    );
    const [counts] = await pg.sql<{ run: number; solo: number }[]>`
      select count(*) filter (where workflow_id is not null)::int as run,
        count(*) filter (where workflow_id is null)::int as solo
      from tasks`;
    expect(counts).toEqual({ run: 50, solo: 500 });
    await expect(
      pg.sql`insert into tasks (workflow_id, key, name, state)
        values (${workflowId}, 'step 1', 'again', 'queued')`,
    ).rejects.toMatchObject({ code: "23505", constraint_name: "tasks_workflow_key_idx" });
  });
});
