import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startLauncher, waitForHealthy } from "../e2e/fixtures/launcher";
import { stopLeftovers } from "../e2e/fixtures/leftovers";
import { isProcessRunning, readPidFile } from "../lib/process/pids";
import { findFreePort } from "../lib/process/ports";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:43123 */
  url: string;
  /** The secret of the admin token the server was bootstrapped with. */
  adminToken: string;
  /** The launcher's data directory (pid files), removed by stop(). */
  dataDir: string;
  /** Everything the launcher printed so far. */
  output(): string;
  /** SIGTERM to the launcher (it stops Next), awaits its exit, removes its data directory. */
  stop(): Promise<void>;
}

export interface StartTestServerParams {
  /** The database to serve, e.g. a test clone (test/db.ts) or a benchmark's own. */
  databaseUrl: string;
  /** Default: a fresh random secret. */
  adminToken?: string;
  /** Default 300 s: the launcher runs `next build` when the sources changed. */
  timeoutMs?: number;
  /** Extra environment for the launcher and the server it starts. */
  env?: Record<string, string>;
}

const POLL_INTERVAL_MS = 250;
const STOP_TIMEOUT_MS = 60_000;
const RETRY_PAUSE_MS = 2_000;
const ANOTHER_BUILD = "Another next build process is already running";

/**
 * Runs the real start command (`scripts/start.ts`) on an existing database and a free port,
 * and resolves once `/api/health` answers ok. One launcher at a time gets past its build
 * check (a lock under .test-data): two `next build`s into the same .next would break both.
 */
export async function startTestServer(params: StartTestServerParams): Promise<TestServer> {
  const timeoutMs = params.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  const adminToken = params.adminToken ?? `tm_admin_test_${randomBytes(24).toString("hex")}`;
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const releaseLock = await acquireStartLock(timeoutMs);
  try {
    for (;;) {
      const dataDir = await mkdtemp(path.join(repoRoot, ".test-data", "server-"));
      const port = await findFreePort();
      const launcher = spawnLauncher({ ...params, adminToken, dataDir, port });
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitForHealthy(launcher, url, { timeoutMs: deadline - Date.now() });
        return {
          url,
          adminToken,
          dataDir,
          output: launcher.output,
          stop: () => stopLauncher(launcher, dataDir),
        };
      } catch (error) {
        await stopLauncher(launcher, dataDir);
        // A `next build` outside our lock (another developer's run on this tree) holds Next's
        // own build lock: wait for it, then start again (the build may then be current).
        if (!launcher.output().includes(ANOTHER_BUILD) || Date.now() > deadline) throw error;
        await delay(RETRY_PAUSE_MS);
      }
    }
  } finally {
    await releaseLock();
  }
}

function spawnLauncher(
  params: StartTestServerParams & { adminToken: string; dataDir: string; port: number },
) {
  return startLauncher({
    dataDir: params.dataDir,
    port: params.port,
    bootstrapAdminToken: params.adminToken,
    env: {
      ...params.env,
      // vitest sets NODE_ENV=test; Next builds and serves in production mode.
      NODE_ENV: "production",
      DATABASE_URL: params.databaseUrl,
    },
  });
}

type Launcher = ReturnType<typeof spawnLauncher>;

async function stopLauncher(launcher: Launcher, dataDir: string): Promise<void> {
  launcher.kill("SIGTERM");
  const outcome = await Promise.race([launcher.exited, delay(STOP_TIMEOUT_MS, "timeout" as const)]);
  if (outcome === "timeout") launcher.kill("SIGKILL");
  await launcher.exited;
  // A launcher that did not stop cleanly leaves its Next server (own process group) behind.
  await stopLeftovers(dataDir);
  await rm(dataDir, { recursive: true, force: true });
}

const LOCK_DIR = path.join(repoRoot, ".test-data", "server-start.lock");
/** A lock older than this belongs to a holder that died before writing its pid. */
const STALE_LOCK_MS = 600_000;

/**
 * Runs `use` while no test launcher can build into this checkout's .next: for a test that
 * copies the build elsewhere.
 */
export async function withBuildLocked<T>(use: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const release = await acquireStartLock(timeoutMs);
  try {
    return await use();
  } finally {
    await release();
  }
}

/**
 * A cross-process lock: a directory (mkdir is atomic) holding the owner's pid. A lock whose
 * owner is gone is taken over. Polls, since the holder is another process.
 */
async function acquireStartLock(timeoutMs: number): Promise<() => Promise<void>> {
  const pidFile = path.join(LOCK_DIR, "pid");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(pidFile, `${process.pid}\n`);
      return async () => {
        if (readPidFile(pidFile) === process.pid)
          await rm(LOCK_DIR, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readPidFile(pidFile);
    const age = Date.now() - ((await stat(LOCK_DIR).catch(() => undefined))?.mtimeMs ?? Date.now());
    const abandoned = holder === undefined ? age > STALE_LOCK_MS : !isProcessRunning(holder);
    if (abandoned) {
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${LOCK_DIR} is held by pid ${holder}`);
    await delay(POLL_INTERVAL_MS);
  }
}
