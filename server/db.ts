import "server-only";
import { sql as statement } from "drizzle-orm";
import { createDatabase, type Database } from "@/db/client";
import { createDatabaseCircuit, type DatabaseCircuit } from "@/server/database-circuit";
import { log } from "@/server/log/logger";
import { processSlot } from "@/server/process/slots";

/**
 * A new connection that is not ready within this many seconds fails the request with 503: a
 * database host that drops packets must not hold requests for postgres.js's default 30 s.
 */
const CONNECT_TIMEOUT_S = 2;

/**
 * Connections of the pool that only log appends use (tasks.log, tasks.logMany). Apart from the
 * main pool, so a flood of log lines can neither take the connections claims and completions
 * need nor keep more than this many PostgreSQL backends busy on the two cores they share;
 * appends beyond it wait their turn in Node, and the SDK's one batch in flight per worker
 * turns that wait into larger batches (docs/architecture.md, "Task logs").
 */
const LOG_POOL_SIZE = 2;

interface ServerDatabase {
  db: Database;
  logDb: Database;
  circuit: DatabaseCircuit;
}

// One pool per server process, shared by every bundle (server/process/slots.ts).
const slot = processSlot<ServerDatabase>("serverDatabase");

function serverDatabase(): ServerDatabase {
  return slot.getOrCreate(() => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the server with `npm start`");
    const { db } = createDatabase(url, {
      applicationName: "task-manager-server",
      connectTimeoutS: CONNECT_TIMEOUT_S,
    });
    const { db: logDb } = createDatabase(url, {
      max: LOG_POOL_SIZE,
      applicationName: "task-manager-logs",
      connectTimeoutS: CONNECT_TIMEOUT_S,
    });
    const circuit = createDatabaseCircuit({
      probe: () => db.execute(statement`select 1`),
      log: log.child({ component: "database" }),
    });
    return { db, logDb, circuit };
  });
}

/** The server's database, from DATABASE_URL (the start command always sets it). */
export function getDb(): Database {
  return serverDatabase().db;
}

/** The pool log appends write through, apart from the main one (LOG_POOL_SIZE). */
export function getLogDb(): Database {
  return serverDatabase().logDb;
}

/** Whether the server's database is known to be down; requests consult it first. */
export function getDatabaseCircuit(): DatabaseCircuit {
  return serverDatabase().circuit;
}
