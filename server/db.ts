import "server-only";
import { createDatabase, type Database } from "@/db/client";

// One pool per server process. Kept on globalThis so `next dev` reloads don't leak pools.
const holder = globalThis as typeof globalThis & { __tmDatabase?: Database };

/** The server's database, from DATABASE_URL (the start command always sets it). */
export function getDb(): Database {
  if (!holder.__tmDatabase) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the server with `npm start`");
    holder.__tmDatabase = createDatabase(url, { applicationName: "task-manager-server" }).db;
  }
  return holder.__tmDatabase;
}
