import { expect, type Page, test } from "@playwright/test";
import postgres from "postgres";
import { startEmbeddedPostgres } from "@/db/embedded";
import { createTrpc } from "@/sdk";
import { FIRST_RUN_ADMIN_TOKEN } from "./fixtures/admin-token";
import { waitForHealthy } from "./fixtures/launcher";
import { ownLaunchers } from "./fixtures/own-launcher";
import { signInByLink } from "./fixtures/sign-in";

// `npm start -- --demo` on a server of its own: it must be stopped with SIGINT mid-run.
const own = ownLaunchers("e2e-demo-start", 4);

/** What the issue promises: every page live within a minute of the sign-in link. */
const LIVE_WITHIN_MS = 60_000;

async function signIn(page: Page, next: string) {
  await signInByLink(page, own.baseURL, FIRST_RUN_ADMIN_TOKEN, next);
}

test("npm start -- --demo: every page is live within a minute; SIGINT stops it with no task left leased", async ({
  page,
}) => {
  test.setTimeout(600_000);
  // As the README documents it, so the long training runs can trip task_duration too.
  const launcher = own.launch(FIRST_RUN_ADMIN_TOKEN, {
    args: ["--demo"],
    env: { TM_ALERT_TASK_DURATION: "45" },
  });
  await waitForHealthy(launcher, own.baseURL);

  // The link works from the moment the server is healthy: the clock starts here.
  const deadline = Date.now() + LIVE_WITHIN_MS;
  const timeout = () => Math.max(1_000, deadline - Date.now());
  await signIn(page, "/");
  await expect(
    page.getByTestId("column-running").getByTestId("column-count"),
    launcher.output(),
  ).toHaveText(/^[1-9]/, { timeout: timeout() });
  await expect(page.getByTestId("empty-board")).toHaveCount(0);

  // A demo run's page, its graph and its timeline (the graph is a section of the run page).
  const admin = createTrpc({ url: own.baseURL, token: FIRST_RUN_ADMIN_TOKEN });
  const firstRun = async () => (await admin.workflows.list.query({ limit: 1 })).items[0]?.id;
  await expect.poll(firstRun, { timeout: timeout() }).toBeDefined();
  const runId = await firstRun();
  await page.goto(`${own.baseURL}/workflows/${runId}?tab=graph`);
  await expect(page.getByTestId("graph-workflow-name")).toBeVisible({ timeout: timeout() });
  await page.goto(`${own.baseURL}/workflows/${runId}?tab=timeline`);
  await expect(page.getByTestId("timeline-row").first()).toBeVisible({ timeout: timeout() });

  await page.goto(`${own.baseURL}/resources`);
  await expect(page.getByTestId("holders-table")).toBeVisible({ timeout: timeout() });

  await page.goto(`${own.baseURL}/alerts`);
  await expect(page.getByTestId("alert-row").first()).toBeVisible({ timeout: timeout() });

  await page.goto(`${own.baseURL}/agents`);
  await expect(page.getByTestId("agent-card").filter({ hasText: "demo-gpu-1" })).toBeVisible({
    timeout: timeout(),
  });

  await page.goto(`${own.baseURL}/wall?layout=grid`);
  await expect(page.getByTestId("wall-workflow").first()).toBeVisible({ timeout: timeout() });
  await page.close();

  // Stop while the fleet's agents hold tasks: those are the ones that must be handed back.
  const demoAgents = new Set(
    (await admin.agents.list.query())
      .filter((agent) => agent.name.startsWith("demo-"))
      .map((agent) => agent.id),
  );
  await expect
    .poll(async () => {
      const { items } = await admin.tasks.list.query({ state: "running", limit: 200 });
      return items.filter((task) => task.agentId && demoAgents.has(task.agentId)).length;
    })
    .toBeGreaterThan(0);
  launcher.kill("SIGINT");
  expect(await launcher.exited, launcher.output()).toBe(0);

  // The same data, read with PostgreSQL alone (no scheduler to tidy up after the fact).
  const pg = await startEmbeddedPostgres({
    dataDir: own.dataDir,
    persistent: true,
    database: "task_manager",
  });
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    const leased = await sql<{ id: string; agent_id: string | null }[]>`
      select id, agent_id from tasks where state = 'running' or lease_expires_at is not null`;
    expect(leased).toEqual([]);
    const agents = await sql<{ name: string; status: string }[]>`
      select name, status from agents where name like 'demo-%' order by name`;
    expect(agents.length).toBe(8);
    // Drained before the workers stopped: none was left to claim more.
    expect(agents.filter((agent) => agent.status === "online")).toEqual([]);
  } finally {
    await sql.end();
    await pg.stop();
  }
  expect(launcher.output()).toContain("demo: stopped");
});
