import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { createTrpc } from "@/sdk";
import { FIRST_RUN_ADMIN_TOKEN } from "./fixtures/admin-token";
import { waitForHealthy } from "./fixtures/launcher";
import { ownLaunchers } from "./fixtures/own-launcher";
import { seriousViolations } from "./fixtures/serious-violations";
import { signInByLink } from "./fixtures/sign-in";

// A server of its own with no data at all (the shared one fills up with other specs' work),
// on a configuration without pools, so every page is in its empty state.
const own = ownLaunchers("e2e-first-run", 3);
const NAME = "First Run Lab";

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  await mkdir(own.dataDir, { recursive: true });
  const config = path.join(own.dataDir, "no-pools.yaml");
  await writeFile(config, `task_manager:\n  name: "${NAME}"\nresources:\n  pools: {}\n`);
  const launcher = own.launch(FIRST_RUN_ADMIN_TOKEN, { env: { TM_CONFIG: config } });
  await waitForHealthy(launcher, own.baseURL);
});

async function signIn(page: Page, token: string, next: string) {
  await signInByLink(page, own.baseURL, token, next);
}

async function expectAccessible(page: Page) {
  expect(await seriousViolations(page)).toEqual([]);
}

test("every empty page says what would fill it, with this server's URL", async ({ page }) => {
  // axe walks seven whole pages: more than the default timeout on a busy two-core machine.
  test.slow();
  await signIn(page, FIRST_RUN_ADMIN_TOKEN, "/");

  // The header: the configured name, the role, the API docs.
  const header = page.getByRole("banner");
  await expect(header.getByText(NAME)).toBeVisible();
  await expect(page.getByTestId("signed-in-role")).toContainText("admin");

  const board = page.getByTestId("empty-board");
  await expect(board).toBeVisible();
  await expect(board.getByTestId("demo-command")).toHaveText("npm start -- --demo");
  await expect(page.getByTestId("board-curl")).toContainText(
    `'${own.baseURL}/api/trpc/workflows.submit'`,
  );
  await expect(page.getByTestId("board-curl")).toContainText("$TM_TOKEN");
  await expect(page.getByTestId("board-ts")).toContainText(`url: "${own.baseURL}"`);
  await expectAccessible(page);

  // The runs list (where /graph now leads).
  await page.goto(`${own.baseURL}/graph`);
  await expect(page.getByTestId("empty-runs")).toBeVisible();
  await expect(page.getByTestId("runs-curl")).toContainText(own.baseURL);
  await expectAccessible(page);

  await page.goto(`${own.baseURL}/resources`);
  const pools = page.getByTestId("empty-pools");
  await expect(pools).toContainText("task-manager.yaml");
  await expect(pools).toContainText("resources.upsert");
  await expect(page.getByTestId("pools-curl")).toContainText(
    `${own.baseURL}/api/trpc/resources.upsert`,
  );
  await expect(page.getByTestId("agent-resources-empty")).toContainText("memory_gb");
  await expect(page.getByTestId("holders-empty")).toBeVisible();
  await expectAccessible(page);

  await page.goto(`${own.baseURL}/alerts`);
  const rules = page.getByTestId("alert-rules");
  await expect(rules.getByRole("row", { name: /task_duration/ })).toContainText("60 min");
  await expect(rules.getByRole("row", { name: /resource_usage/ })).toContainText("80 %");
  await expect(rules.getByRole("row", { name: /dependency_wait/ })).toContainText("5 min");
  await expect(rules.getByRole("row", { name: /failure_rate/ })).toContainText("10 %");
  await expectAccessible(page);

  await page.goto(`${own.baseURL}/agents`);
  await expect(page.getByTestId("empty-agents")).toBeVisible();
  await expect(page.getByTestId("agents-ts")).toContainText("createAgentWorker");
  await expect(page.getByTestId("agents-ts")).toContainText(`url: "${own.baseURL}"`);
  await expectAccessible(page);

  await page.goto(`${own.baseURL}/schedules`);
  await expect(page.getByTestId("empty-schedules")).toBeVisible();
  await expect(page.getByTestId("schedules-yaml")).toContainText("schedules:");
  await expect(page.getByTestId("schedules-curl")).toContainText(
    `${own.baseURL}/api/trpc/schedules.create`,
  );
  await expectAccessible(page);

  await page.getByRole("link", { name: "API docs" }).click();
  await expect(page).toHaveURL(`${own.baseURL}/docs/api`);
  await expect(
    page.getByRole("heading", { name: "Orchestrator and agent over plain HTTP" }),
  ).toBeVisible();
  await expectAccessible(page);

  await page.goto(`${own.baseURL}/wall?layout=grid`);
  await expect(page.getByTestId("wall-idle")).toContainText("Idle");
  await expect(page.locator("a, button, input, select, textarea")).toHaveCount(0);
  await expectAccessible(page);
});

// Before the next test submits a workflow: the overview has nothing to chart yet.
test("the overview with no task yet says how to start one", async ({ page }) => {
  await signIn(page, FIRST_RUN_ADMIN_TOKEN, "/overview");
  await expect(page.getByTestId("empty-overview")).toBeVisible();
  await expect(page.getByTestId("overview-curl")).toContainText(own.baseURL);
  await expect(page.getByTestId("chart-throughput")).toHaveCount(0);
  await expectAccessible(page);
});

test("an admin creates a token into the snippets, and the curl snippet submits a workflow", async ({
  page,
}) => {
  await signIn(page, FIRST_RUN_ADMIN_TOKEN, "/workflows");
  await page
    .getByRole("button", { name: "Create an orchestrator token for these snippets" })
    .click();
  await expect(page.getByRole("status").filter({ hasText: "shown only this once" })).toBeVisible();
  const curl = (await page.getByTestId("runs-curl").textContent()) ?? "";
  const secret = /Bearer (tm_[\w-]+)/.exec(curl)?.[1];
  expect(secret, curl).toBeDefined();

  // What the snippet sends, sent: the token works and the workflow is accepted.
  const body = /-d '([^']*)'/.exec(curl)?.[1] ?? "";
  const response = await fetch(`${own.baseURL}/api/trpc/workflows.submit`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body,
  });
  expect(response.status).toBe(200);

  // The page now has a run: the list shows it, the guide is gone.
  await page.reload();
  await expect(page.getByRole("link", { name: "weekly report" })).toBeVisible();
  await expect(page.getByTestId("empty-runs")).toHaveCount(0);
});

test("a viewer gets a placeholder and no way to mint a token", async ({ page }) => {
  const admin = createTrpc({ url: own.baseURL, token: FIRST_RUN_ADMIN_TOKEN });
  const { secret } = await admin.tokens.create.mutate({ name: "first-run viewer", role: "viewer" });
  await signIn(page, secret, "/agents");
  await expect(page.getByTestId("empty-agents")).toBeVisible();
  await expect(page.getByTestId("snippet-token-agent")).toContainText("ask an admin");
  await expect(page.getByRole("button", { name: /Create an .* token/ })).toHaveCount(0);
  // No secret of any kind in the page a viewer gets.
  expect(await page.content()).not.toMatch(/tm_[A-Za-z0-9_-]{20,}/);
  await expectAccessible(page);
});
