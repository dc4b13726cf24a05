/**
 * Usage: tsx e2e/reset-data-dir.ts <dir>. Gives an e2e launcher a fresh database: stops
 * whatever an earlier run left on <dir> (a launcher killed before it could clean up leaves
 * its Next server and PostgreSQL running) and deletes the directory.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { stopLeftovers } from "./fixtures/leftovers";

const dir = process.argv[2];
if (!dir) throw new Error("usage: reset-data-dir.ts <dir>");
const dataDir = path.resolve(dir);
await stopLeftovers(dataDir);
await rm(dataDir, { recursive: true, force: true });
