import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTaskManagerClient, type TaskManagerClient } from "@/sdk";
import { setupTestDatabase } from "@/test/db";
import { pollUntil } from "@/test/poll-until";
import { startTestServer, type TestServer } from "@/test/server";
import { startDemoFleet } from "./fleet";
import { DEMO_SCHEDULE_NAME } from "./schedules";
import { ensureDemoTokens, memoryTokenStore, ORCHESTRATOR_TOKEN_NAME } from "./tokens";

const pg = setupTestDatabase();
let server: TestServer;
let admin: TaskManagerClient;

beforeAll(async () => {
  server = await startTestServer({ databaseUrl: pg.url });
  admin = createTaskManagerClient({ url: server.url, token: server.adminToken });
}, 600_000);

afterAll(async () => {
  await server?.stop();
}, 120_000);

describe("the demo fleet", () => {
  it("runs workflows that succeed and fail, and stops without leaving a task leased", async () => {
    const fleet = await startDemoFleet({
      url: server.url,
      token: server.adminToken,
      seed: 42,
      timeScale: 0.1,
      // Stop at once: tasks still running must be handed back, not left under lease.
      graceMs: 0,
    });
    let busyAtStop: number;
    try {
      const reached = await fleet.until(
        ({ tasks }) =>
          tasks.succeeded >= 20 && tasks.failed + tasks.retried >= 1 && tasks.running > 0,
      );
      busyAtStop = reached.tasks.running;
      expect(reached.workflows.lastId).toBeDefined();
      // Its schedule is there for the Schedules page (a refused one would only be logged).
      const { items: schedules } = await admin.listSchedules();
      expect(schedules.map((schedule) => schedule.name)).toContain(DEMO_SCHEDULE_NAME);
      // The demo's editor answers the research reports' approvals, so their runs go on.
      await pollUntil(
        "an approval answered by the demo's editor",
        async () => {
          const { items } = await admin.trpc.tasks.list.query({
            type: "approval",
            state: ["succeeded", "failed"],
            limit: 1,
          });
          return items.length > 0;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
    } finally {
      await fleet.stop();
    }
    expect(busyAtStop).toBeGreaterThan(0);

    const stats = fleet.stats();
    expect(stats.tasks.running).toBe(0);
    const demoAgents = new Set(stats.agents.map((agent) => agent.id));
    const { items: running } = await admin.trpc.tasks.list.query({ state: "running", limit: 500 });
    expect(running.filter((task) => task.agentId && demoAgents.has(task.agentId))).toEqual([]);
  }, 60_000);

  it("makes one live token per demo name, however often it starts", async () => {
    const store = memoryTokenStore();
    const first = await ensureDemoTokens(admin.trpc, store);
    const again = await ensureDemoTokens(admin.trpc, store);
    expect(again).toEqual(first);

    // A run that lost the secrets (another store) replaces the tokens instead of adding some.
    const fresh = await ensureDemoTokens(admin.trpc, memoryTokenStore());
    expect(fresh.orchestrator).not.toBe(first.orchestrator);
    const live = await admin.trpc.tokens.list.query();
    const names = live.map((token) => token.name).filter((name) => name.startsWith("demo-"));
    expect(names.filter((name) => name === ORCHESTRATOR_TOKEN_NAME)).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
  });
});
