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

interface ServerDatabase {
  db: Database;
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
    const circuit = createDatabaseCircuit({
      probe: () => db.execute(statement`select 1`),
      log: log.child({ component: "database" }),
    });
    return { db, circuit };
  });
}

/** The server's database, from DATABASE_URL (the start command always sets it). */
export function getDb(): Database {
  return serverDatabase().db;
}

/** Whether the server's database is known to be down; requests consult it first. */
export function getDatabaseCircuit(): DatabaseCircuit {
  return serverDatabase().circuit;
}
