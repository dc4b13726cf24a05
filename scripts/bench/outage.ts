import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { startTestServer, type TestServer } from "@/test/server";
import { repoRoot } from "./setup";
import { log, now, summary } from "./stats";

export interface OutageParams {
  /** How long each outage lasts, in seconds; one outage per entry. */
  outagesS: readonly number[];
  /** Gives up waiting for recovery after this long. */
  timeoutMs: number;
}

export interface OutageResult {
  /** Per outage: database ready again → an authenticated call and /api/health both answer 200. */
  recoveryMs: number[];
  /** Every call made while the database was down: request → its 503. */
  failMs: number[];
  /** Statuses seen during the outages, by status: anything but 503 is a finding. */
  statuses: Record<number, number>;
}

/** Calls in flight during an outage, like a small fleet's: one every POLL_MS from each. */
const CLIENTS = 4;
const POLL_MS = 100;
/** How closely recovery is watched. */
const RECOVERY_POLL_MS = 10;

/**
 * Database outages under a running server: PostgreSQL (embedded, persistent, on a fixed port)
 * is stopped (fast shutdown) while clients keep calling, left down for each of `outagesS`, and
 * started again on the same data and port. `failMs` times the calls answered during the
 * outage; `recoveryMs` runs from the moment PostgreSQL reports itself ready to accept
 * connections to the moment both a real authenticated call (tasks.list) and /api/health
 * answer 200.
 */
export async function runOutage(params: OutageParams): Promise<OutageResult> {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const dataDir = await mkdtemp(path.join(repoRoot, ".test-data", "bench-outage-"));
  // mkdtemp makes it 0700; run as root, PostgreSQL runs as `postgres`, which must get in.
  await chmod(dataDir, 0o755);
  const startPostgres = (port?: number) =>
    startEmbeddedPostgres({ dataDir, persistent: true, database: "task_manager", port });
  let postgres: EmbeddedPostgres | undefined;
  let server: TestServer | undefined;
  try {
    log("outage: starting a persistent embedded PostgreSQL and a server on it");
    postgres = await startPostgres();
    await migrateDatabase(postgres.url);
    server = await startTestServer({ databaseUrl: postgres.url });
    const api = server;
    const call = async (pathAndQuery: string) => {
      const response = await fetch(`${api.url}${pathAndQuery}`, {
        headers: { authorization: `Bearer ${api.adminToken}` },
        signal: AbortSignal.timeout(params.timeoutMs),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const listTasks = () =>
      call(`/api/trpc/tasks.list?input=${encodeURIComponent(JSON.stringify({ limit: 5 }))}`);
    const health = () => call("/api/health");

    const result: OutageResult = { recoveryMs: [], failMs: [], statuses: {} };
    for (const [index, seconds] of params.outagesS.entries()) {
      if ((await listTasks()) !== 200) throw new Error("the API is not answering before an outage");
      const port: number = postgres.port;
      await postgres.stop();
      postgres = undefined;
      const until = now() + seconds * 1000;
      // The clients keep calling through the outage, as a fleet would.
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (now() < until) {
            const started = now();
            const status = await listTasks().catch(() => 0);
            result.failMs.push(now() - started);
            result.statuses[status] = (result.statuses[status] ?? 0) + 1;
            await delay(POLL_MS);
          }
        }),
      );
      postgres = await startPostgres(port);
      const ready = now();
      const recovered = { api: 0, health: 0 };
      await Promise.all([
        waitFor200(listTasks, params.timeoutMs).then((at) => {
          recovered.api = at - ready;
        }),
        waitFor200(health, params.timeoutMs).then((at) => {
          recovered.health = at - ready;
        }),
      ]);
      const recoveryMs = Math.max(recovered.api, recovered.health);
      result.recoveryMs.push(recoveryMs);
      log(
        `outage ${index + 1}/${params.outagesS.length} (${seconds} s): API back after ${recovered.api.toFixed(0)} ms, health after ${recovered.health.toFixed(0)} ms`,
      );
    }
    log(`outage fail latency: ${JSON.stringify(summary(result.failMs))}`);
    return result;
  } finally {
    await server?.stop();
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Resolves with the time of the first 200. */
async function waitFor200(call: () => Promise<number>, timeoutMs: number): Promise<number> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const status = await call().catch(() => 0);
    if (status === 200) return now();
    if (now() > deadline)
      throw new Error(`no 200 within ${timeoutMs} ms after the database came back`);
    await delay(RECOVERY_POLL_MS);
  }
}
