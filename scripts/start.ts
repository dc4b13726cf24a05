/**
 * `npm start`: everything needed to run the task manager from a fresh clone, in order:
 * configuration, database (embedded PostgreSQL unless DATABASE_URL is set), migrations,
 * the first admin token, a build when the sources changed, then `next start`, supervised
 * until Ctrl-C or SIGTERM. Environment: HOST, PORT, TM_DATA_DIR, DATABASE_URL, TM_CONFIG,
 * TM_BOOTSTRAP_ADMIN_TOKEN, TM_DEBUG (a failed start prints its whole error, not one line);
 * `--demo` or TM_DEMO=1 also runs the demo fleet (scripts/start/demo.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase } from "@/db/client";
import { startEmbeddedPostgres } from "@/db/embedded";
import { ensureBootstrapAdmin } from "@/server/auth/bootstrap";
import { getConfig } from "@/server/config";
import { parseConfiguredSchedules } from "@/server/schedules/config-sync";
import { ensureBuild } from "./start/build";
import { prepareDataDir } from "./start/data-dir";
import { demoRequest, type LauncherDemo, startLauncherDemo } from "./start/demo";
import { describeStartFailure, isDebug } from "./start/failure";
import { migrateOrExplain } from "./start/migrate";
import { type NextServer, spawnNextServer } from "./start/next-server";
import {
  claimDataDir,
  clearServerPid,
  ensurePortFree,
  recordServerPid,
  stopPreviousServer,
} from "./start/processes";
import { readStartSettings, type StartSettings } from "./start/settings";
import { linkHost, signInBanner } from "./start/sign-in-banner";
import { type StopSignals, watchStopSignals } from "./start/stop-signals";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** How long Next may take to drain after SIGTERM before it is killed. */
const NEXT_STOP_TIMEOUT_MS = 30_000;

interface RunningDatabase {
  url: string;
  /** Settles if the database stops on its own (never, for an external one). */
  exited: Promise<unknown>;
  stop(): Promise<void>;
}

async function main(): Promise<number> {
  const settings = readStartSettings(repoRoot);
  const demoAsked = demoRequest(process.argv);
  // Before anything is started: a bad file must cost the user nothing but the message. The
  // schedules' specs too, checked as tasks.submit would (with the file's limits).
  parseConfiguredSchedules(getConfig().schedules);
  const stop = watchStopSignals();

  await prepareDataDir(settings.dataDir);
  const release = await claimDataDir(settings.dataDir);
  let database: RunningDatabase | undefined;
  try {
    // A launcher killed with -9 leaves its Next server running, holding the port and
    // connections to the (also orphaned) PostgreSQL that the database step takes over.
    await stopPreviousServer(settings.dataDir, repoRoot);
    await ensurePortFree(settings.host, settings.port);

    database = await openDatabase(settings);
    if (stop.signal.aborted) return 0;
    await migrateOrExplain(database.url, settings.databaseUrl !== undefined);
    const token = await bootstrapAdmin(database.url, settings.bootstrapAdminToken);
    // Shown at once, so a failing build cannot lose the only copy of the secret.
    if (token) process.stdout.write(signInBanner(token, settings));
    if (stop.signal.aborted) return 0;

    const env = serverEnv(settings, database.url);
    const built = await ensureBuild({ repoRoot, env, signal: stop.signal });
    // The build's output has pushed the link out of sight: show it again.
    if (token && built) process.stdout.write(signInBanner(token, settings));
    if (stop.signal.aborted) return 0;

    const next = await spawnNextServer({ repoRoot, host: settings.host, port: settings.port, env });
    await recordServerPid(settings.dataDir, next.pid);
    const url = `http://${linkHost(settings.host)}:${settings.port}`;
    const demo = demoAsked
      ? startLauncherDemo({
          request: demoAsked,
          databaseUrl: database.url,
          dataDir: settings.dataDir,
          url,
        })
      : undefined;
    try {
      return await supervise(next, database, stop, demo);
    } finally {
      await clearServerPid(settings.dataDir, next.pid);
    }
  } catch (error) {
    // Whatever a stop request interrupted (an aborted build) is not a failure.
    if (stop.signal.aborted) return 0;
    throw error;
  } finally {
    await database?.stop();
    await release();
  }
}

async function openDatabase(settings: StartSettings): Promise<RunningDatabase> {
  if (settings.databaseUrl) {
    process.stdout.write("Database: DATABASE_URL\n");
    return { url: settings.databaseUrl, exited: new Promise(() => {}), stop: async () => {} };
  }
  process.stdout.write(`Database: embedded PostgreSQL in ${settings.dataDir}\n`);
  return startEmbeddedPostgres({
    dataDir: settings.dataDir,
    persistent: true,
    database: "task_manager",
  });
}

/** The secret of a newly created admin token, or undefined if tokens already exist. */
async function bootstrapAdmin(url: string, secret: string | undefined) {
  const { db, sql } = createDatabase(url, { max: 1, applicationName: "task-manager-launcher" });
  try {
    return (await ensureBootstrapAdmin(db, { token: secret }))?.token;
  } finally {
    await sql.end();
  }
}

function serverEnv(settings: StartSettings, databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  // Absolute, because the server's working directory may differ from ours.
  if (settings.configFile) env.TM_CONFIG = settings.configFile;
  // The server has no use for the bootstrap secret; keep it out of its environment.
  delete env.TM_BOOTSTRAP_ADMIN_TOKEN;
  return env;
}

/** Runs until a stop signal, Next's exit or the database's; resolves the exit code. */
async function supervise(
  next: NextServer,
  database: RunningDatabase,
  stop: StopSignals,
  demo?: LauncherDemo,
): Promise<number> {
  // A second Ctrl-C means "now".
  stop.onRepeat(() => next.signal("SIGKILL"));
  const outcome = await Promise.race([
    stop.first.then((signal) => ({ kind: "signal", signal }) as const),
    next.exited.then((code) => ({ kind: "next", code }) as const),
    database.exited.then(() => ({ kind: "database" }) as const),
  ]);
  // The fleet drains through the server, so it stops first, whatever ended the run.
  await demo?.stop();
  switch (outcome.kind) {
    case "signal":
      next.signal(outcome.signal === "SIGHUP" ? "SIGTERM" : outcome.signal);
      await stopNext(next);
      return 0;
    case "next":
      process.stderr.write(`The server exited (code ${outcome.code}).\n`);
      return outcome.code;
    case "database":
      process.stderr.write("PostgreSQL stopped unexpectedly; stopping the server.\n");
      next.signal("SIGTERM");
      await stopNext(next);
      return 1;
  }
}

async function stopNext(next: NextServer): Promise<void> {
  const timer = setTimeout(() => next.signal("SIGKILL"), NEXT_STOP_TIMEOUT_MS);
  await next.exited;
  clearTimeout(timer);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(describeStartFailure(error, isDebug()));
    process.exit(1);
  },
);
