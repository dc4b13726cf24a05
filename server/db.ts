import "server-only";
import { sql as statement } from "drizzle-orm";
import { createDatabase, type Database } from "@/db/client";
import { createDatabaseCircuit, type DatabaseCircuit } from "@/server/database-circuit";
import { log } from "@/server/log/logger";

/**
 * A new connection that is not ready within this many seconds fails the request with 503: a
 * database host that drops packets must not hold requests for postgres.js's default 30 s.
 */
const CONNECT_TIMEOUT_S = 2;

interface ServerDatabase {
  db: Database;
  circuit: DatabaseCircuit;
}

// One pool per server process. Kept on globalThis so `next dev` reloads don't leak pools, and
// so the route handlers and instrumentation (separate bundles) share it.
const holder = globalThis as typeof globalThis & { __tmServerDatabase?: ServerDatabase };

function serverDatabase(): ServerDatabase {
  if (!holder.__tmServerDatabase) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the server with `npm start`");
    const { db } = createDatabase(url, {
      applicationName: "task-manager-server",
      connectTimeoutS: CONNECT_TIMEOUT_S,
    });
    const circuit = createDatabaseCircuit({
      probe: () => db.execute(statement`select 1`),
      log: log.child({ component: "database" }),
    });
    holder.__tmServerDatabase = { db, circuit };
  }
  return holder.__tmServerDatabase;
}

/** The server's database, from DATABASE_URL (the start command always sets it). */
export function getDb(): Database {
  return serverDatabase().db;
}

/** Whether the server's database is known to be down; requests consult it first. */
export function getDatabaseCircuit(): DatabaseCircuit {
  return serverDatabase().circuit;
}
