import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../db/embedded";
import { migrateDatabase } from "../../../db/migrate";
import { type Launcher, startLauncher, waitForHealthy } from "../../../e2e/fixtures/launcher";
import { stopLeftovers } from "../../../e2e/fixtures/leftovers";
import { findFreePort } from "../../../lib/process/ports";
import { withBuildLocked } from "../../../test/server";

/*
 * A real server for the Python client's tests (clients/python/tests/fixture.py runs it):
 * its own embedded PostgreSQL, migrated, and `npm start`'s launcher on it. Prints one JSON line
 * `{"url", "adminToken", "tokens": {role: secret}}` once healthy, then obeys one command per
 * stdin line, answering `ok <command>` (or `error <command>: <why>`):
 *
 *   restart-server  stops the server and starts it again on the same port and database
 *   stop-db         stops PostgreSQL under the running server (calls then answer 503)
 *   start-db        starts it again on the same port and data
 *
 * stdin closing (the Python process ended, however it ended) stops everything.
 * TM_PY_TEST_PORT picks the server's port (default: any free one).
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const TEST_SETTINGS = { fsync: "off", synchronous_commit: "off", full_page_writes: "off" };
const STOP_TIMEOUT_MS = 60_000;
const ROLES = ["admin", "operator", "orchestrator", "agent", "viewer"] as const;

interface RunningServer {
  launcher: Launcher;
  dataDir: string;
}

const adminToken = `tm_admin_pytest_${randomBytes(24).toString("hex")}`;
let pgDir = "";
let postgres: EmbeddedPostgres | undefined;
let server: RunningServer | undefined;
let port = 0;
let stopping: Promise<void> | undefined;

function startPostgres(): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({
    dataDir: pgDir,
    persistent: true,
    database: "task_manager",
    settings: TEST_SETTINGS,
  });
}

async function startServer(databaseUrl: string): Promise<RunningServer> {
  const dataDir = await mkdtemp(path.join(repoRoot, ".test-data", "py-server-"));
  const launcher = startLauncher({
    dataDir,
    port,
    bootstrapAdminToken: adminToken,
    // A small request limit, so the client's PayloadTooLargeError is tested with 1 MiB, not 32.
    env: { NODE_ENV: "production", DATABASE_URL: databaseUrl, TM_LIMIT_REQUEST_BYTES: "1048576" },
  });
  try {
    await waitForHealthy(launcher, `http://127.0.0.1:${port}`, { timeoutMs: 600_000 });
  } catch (error) {
    await stopServer({ launcher, dataDir });
    throw error;
  }
  return { launcher, dataDir };
}

async function stopServer(running: RunningServer): Promise<void> {
  running.launcher.kill("SIGTERM");
  const outcome = await Promise.race([
    running.launcher.exited,
    delay(STOP_TIMEOUT_MS, "timeout" as const),
  ]);
  if (outcome === "timeout") running.launcher.kill("SIGKILL");
  await running.launcher.exited;
  await stopLeftovers(running.dataDir);
  await rm(running.dataDir, { recursive: true, force: true });
}

async function call<T>(url: string, procedure: string, input: unknown): Promise<T> {
  const response = await fetch(`${url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data: T } };
  if (!response.ok || !body.result) throw new Error(`${procedure}: HTTP ${response.status}`);
  return body.result.data;
}

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    if (server) await stopServer(server);
    server = undefined;
    await postgres?.stop();
    postgres = undefined;
    if (pgDir) await rm(pgDir, { recursive: true, force: true });
  })();
  return stopping;
}

async function obey(command: string): Promise<void> {
  if (command === "restart-server") {
    if (server) await stopServer(server);
    server = undefined;
    if (!postgres) throw new Error("the database is stopped");
    server = await startServer(postgres.url);
  } else if (command === "stop-db") {
    await postgres?.stop();
    postgres = undefined;
  } else if (command === "start-db") {
    postgres ??= await startPostgres();
  } else {
    throw new Error("unknown command");
  }
}

async function main(): Promise<void> {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  pgDir = await mkdtemp(path.join(repoRoot, ".test-data", "py-pg-"));
  // mkdtemp makes it 0700; run as root, PostgreSQL runs as `postgres`, which must get in.
  await chmod(pgDir, 0o755);
  postgres = await startPostgres();
  await migrateDatabase(postgres.url);
  port = Number(process.env.TM_PY_TEST_PORT) || (await findFreePort());
  const databaseUrl = postgres.url;
  // The first start may run `next build`: never two into the same .next at once.
  server = await withBuildLocked(() => startServer(databaseUrl), 900_000);
  const url = `http://127.0.0.1:${port}`;
  const tokens: Record<string, string> = { admin: adminToken };
  for (const role of ROLES.filter((role) => role !== "admin")) {
    const created = await call<{ secret: string }>(url, "tokens.create", {
      name: `python ${role}`,
      role,
    });
    tokens[role] = created.secret;
  }
  process.stdout.write(`${JSON.stringify({ url, adminToken, tokens })}\n`);

  // One command at a time, in order: a restart must finish before the next command runs.
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const command = line.trim();
    if (!command) return;
    queue = queue.then(() =>
      obey(command).then(
        () => {
          process.stdout.write(`ok ${command}\n`);
        },
        (error: unknown) => {
          const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
          process.stdout.write(`error ${command}: ${why}\n`);
        },
      ),
    );
  });
  lines.on("close", () => {
    void queue.then(stopAll).then(() => process.exit(0));
  });
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void stopAll().then(() => process.exit(0));
  });
}

main().catch(async (error: unknown) => {
  process.stderr.write(`python test server: ${error instanceof Error ? error.stack : error}\n`);
  await stopAll().catch(() => {});
  process.exit(1);
});
