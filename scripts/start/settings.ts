import { existsSync } from "node:fs";
import path from "node:path";
import { DEFAULT_CONFIG_FILE } from "@/server/config";
import { StartError } from "./start-error";

export interface StartSettings {
  repoRoot: string;
  /** Where Next listens. */
  host: string;
  port: number;
  /** Embedded PostgreSQL's cluster, and the launcher's pid files. */
  dataDir: string;
  /** An external PostgreSQL; unset means the embedded one. */
  databaseUrl: string | undefined;
  bootstrapAdminToken: string | undefined;
  /** Absolute path of the config file in use, if there is one. */
  configFile: string | undefined;
}

/**
 * The launcher's environment variables. As in the config loader, a variable set to "" counts
 * as unset, so `DATABASE_URL=` (e.g. from a test runner that cannot delete a variable)
 * selects the embedded database.
 */
export function readStartSettings(
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): StartSettings {
  const configFile = path.resolve(cwd, env.TM_CONFIG || DEFAULT_CONFIG_FILE);
  return {
    repoRoot,
    host: env.HOST || "127.0.0.1",
    port: parsePort(env.PORT || "3000"),
    dataDir: path.resolve(cwd, env.TM_DATA_DIR || path.join(repoRoot, ".data")),
    databaseUrl: env.DATABASE_URL || undefined,
    bootstrapAdminToken: env.TM_BOOTSTRAP_ADMIN_TOKEN || undefined,
    configFile: existsSync(configFile) ? configFile : undefined,
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new StartError(`PORT: expected a port number from 1 to 65535, received "${value}"`);
  }
  return port;
}
