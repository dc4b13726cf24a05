import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../db/embedded";
import { migrateDatabase } from "../db/migrate";
import { withDatabase } from "./database-url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Durability buys nothing for a cluster deleted after the run, and costs most of the time of
 * the many CREATE DATABASE calls (one per test file).
 */
const TEST_SETTINGS = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "300",
};

/**
 * One PostgreSQL for the whole run (DATABASE_URL's server if set, else a throwaway embedded
 * one) and one migrated template database on it. Test files clone the template
 * (test/db.ts), which takes milliseconds, instead of running migrations each.
 */
export default async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL || undefined;
  let server: EmbeddedPostgres | undefined;
  if (!external) {
    server = await startEmbeddedPostgres({
      dataDir: path.join(repoRoot, ".test-data", "vitest"),
      persistent: false,
      settings: TEST_SETTINGS,
    });
  }
  const adminUrl = external ?? server?.url ?? "";
  const template = `tm_template_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });

  const teardown = async () => {
    try {
      await admin`drop database if exists ${admin(template)} with (force)`;
      await admin.end();
    } finally {
      await server?.stop();
    }
  };

  try {
    await admin`create database ${admin(template)}`;
    await migrateDatabase(withDatabase(adminUrl, template));
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", template);
  return teardown;
}
