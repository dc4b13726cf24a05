import { afterAll, afterEach, beforeAll } from "vitest";
import { createTaskManagerClient, type TaskManagerClient } from "@/sdk/client";
import { type AgentWorker, type AgentWorkerOptions, createAgentWorker } from "@/sdk/worker";
import { setupTestDatabase } from "./db";
import { startTestServer, type TestServer } from "./server";

/**
 * A real server for the SDK worker's tests (its own database, started once per file), an
 * orchestrator client and an agent token; the workers a test starts are stopped after it.
 */
export function setupWorkerServer() {
  const pg = setupTestDatabase();
  let server: TestServer | undefined;
  let orchestrator: TaskManagerClient | undefined;
  let agentToken = "";
  const workers: AgentWorker[] = [];

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: pg.url });
    const admin = createTaskManagerClient({ url: server.url, token: server.adminToken });
    const [orchestratorToken, agent] = await Promise.all([
      admin.trpc.tokens.create.mutate({ name: "orchestrator", role: "orchestrator" }),
      admin.trpc.tokens.create.mutate({ name: "agents", role: "agent" }),
    ]);
    orchestrator = createTaskManagerClient({ url: server.url, token: orchestratorToken.secret });
    agentToken = agent.secret;
  }, 600_000);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 0 })));
  });

  afterAll(async () => {
    await server?.stop();
  }, 120_000);

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the worker server has not started");
    return value;
  };

  return {
    get url() {
      return started(server).url;
    },
    get orchestrator() {
      return started(orchestrator);
    },
    /**
     * A worker for tasks that need `capability`. Give each test's tasks a capability only its
     * own worker has: a task left requeued by one test (a retry) must never be claimed by
     * another test's worker.
     */
    startWorker(
      capability: string,
      options: Pick<AgentWorkerOptions, "handlers"> & Partial<AgentWorkerOptions>,
    ) {
      const worker = createAgentWorker({
        url: started(server).url,
        token: agentToken,
        name: `worker-${capability}`,
        capabilities: [capability],
        concurrency: 4,
        waitMs: 5_000,
        ...options,
      });
      workers.push(worker);
      return worker;
    },
    /** A workflow a → b → c of `step` tasks only `capability`'s worker runs. */
    submitChain(name: string, capability: string) {
      return started(orchestrator).submitWorkflow({
        name,
        tasks: ["a", "b", "c"].map((key, i, keys) => ({
          key,
          name: key,
          type: "step",
          capabilities: [capability],
          dependsOn: i === 0 ? [] : [keys[i - 1] ?? ""],
        })),
      });
    },
  };
}
