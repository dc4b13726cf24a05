import path from "node:path";
import { fileURLToPath } from "node:url";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@/db/embedded";
import { readPidFile } from "@/lib/process/pids";
import { createTaskManagerClient, type TaskManagerClient } from "@/sdk";
import { startTestServer, type TestServer } from "@/test/server";
import { log } from "./stats";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BenchEnvironment {
  postgres: EmbeddedPostgres;
  /** The superuser URL on the maintenance database: the peer harness makes its own there. */
  adminUrl: string;
  server: TestServer;
  orchestrator: TaskManagerClient;
  agentToken: string;
  /** The Next server's pid (from the launcher's pid file), while it runs. */
  serverPid(): number | undefined;
  /** Stops the server (if still running), then PostgreSQL. */
  close(): Promise<void>;
}

/**
 * A throwaway embedded PostgreSQL with its default (durable) settings, the same server the
 * graphile-worker runs use, and the real start command serving a database on it.
 */
export async function startBenchEnvironment(
  options: { pgSettings?: Record<string, string>; serverEnv?: Record<string, string> } = {},
): Promise<BenchEnvironment> {
  log("starting embedded PostgreSQL");
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(repoRoot, ".test-data", "bench"),
    persistent: false,
    database: "task_manager",
    settings: options.pgSettings,
  });
  let server: TestServer | undefined;
  try {
    log("starting the server (the launcher builds first if the sources changed)");
    const started = performance.now();
    server = await startTestServer({ databaseUrl: postgres.url, env: options.serverEnv });
    log(`server up at ${server.url} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const admin = createTaskManagerClient({ url: server.url, token: server.adminToken });
    const [orchestratorToken, agentToken] = await Promise.all([
      admin.trpc.tokens.create.mutate({ name: "bench orchestrator", role: "orchestrator" }),
      admin.trpc.tokens.create.mutate({ name: "bench agents", role: "agent" }),
    ]);
    const adminUrl = new URL(postgres.url);
    adminUrl.pathname = "/postgres";
    const running = server;
    let serverStopped = false;
    return {
      postgres,
      adminUrl: adminUrl.toString(),
      server: {
        ...running,
        stop: async () => {
          serverStopped = true;
          await running.stop();
        },
      },
      orchestrator: createTaskManagerClient({ url: running.url, token: orchestratorToken.secret }),
      agentToken: agentToken.secret,
      serverPid: () => readPidFile(path.join(running.dataDir, "server.pid")),
      close: async () => {
        if (!serverStopped) await running.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    await postgres.stop();
    throw error;
  }
}

/** `run` on a fresh environment of its own (default settings), closed after it. */
export async function withEnvironment(run: (env: BenchEnvironment) => Promise<void>) {
  const env = await startBenchEnvironment();
  try {
    await run(env);
  } finally {
    await env.close();
  }
}
