import { expect as baseExpect, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { seriousViolations } from "./fixtures/serious-violations";

// Live updates pass through the database, the event stream and a throttled refetch, and axe
// walks the whole page: on a busy machine (2 cores shared with builds) both take a while.
const expect = baseExpect.configure({ timeout: 20_000 });
test.describe.configure({ timeout: 120_000 });

const TASKS = 12;
const FAILED = 3;

/**
 * A fresh agent runs TASKS tasks of a fresh type (a unique capability keeps other specs'
 * agents away): FAILED of them fail for good, the rest succeed.
 */
async function runTasks() {
  const admin = adminClient();
  const capability = unique("ov-cap");
  const type = unique("ov-type");
  const agent = await admin.trpc.agents.register.mutate({
    name: unique("ov-agent"),
    capabilities: [capability],
    capacity: {},
  });
  for (let i = 0; i < TASKS; i++) {
    await admin.trpc.tasks.submit.mutate({
      name: `${type} ${i}`,
      type,
      capabilities: [capability],
      // Ahead of tasks other specs left queued that ask for no capability (this agent could
      // claim those too).
      priority: 1_000_000,
    });
  }
  let done = 0;
  while (done < TASKS) {
    const { tasks } = await admin.trpc.agents.claim.mutate({
      agentId: agent.id,
      max: TASKS - done,
      waitMs: 5_000,
    });
    for (const task of tasks) {
      const lease = { agentId: agent.id, taskId: task.id, leaseEpoch: task.leaseEpoch };
      if (done < FAILED) {
        await admin.trpc.tasks.fail.mutate({ ...lease, error: { why: "e2e" }, retryable: false });
      } else {
        await admin.trpc.tasks.complete.mutate(lease);
      }
      done++;
    }
  }
  return { type, agentId: agent.id, agentName: agent.name };
}

// Every test opens a page with data, whichever specs ran before this one.
test.beforeAll(async () => {
  await runTasks();
});

const startedOf = async (page: import("@playwright/test").Page) =>
  Number(await page.getByTestId("chart-throughput").getAttribute("data-started"));

test("each chart fills with the tasks that ran, live, without a reload", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/overview?range=15m");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("overview-figures")).toHaveAttribute("data-range", "15m");
  const before = await startedOf(page);

  const ran = await runTasks();
  await expect.poll(() => startedOf(page)).toBeGreaterThanOrEqual(before + TASKS);

  for (const id of ["throughput", "queue-depth", "wait-time", "run-time", "failure-rate"]) {
    const chart = page.getByTestId(`chart-${id}`);
    await expect(chart).toHaveAttribute("role", "img");
    // recharts drew its surface and at least one bar or line.
    await expect(chart.locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
    await expect(
      chart.locator(".recharts-bar-rectangle path, .recharts-line-curve").first(),
    ).toBeAttached();
  }
  await expect(page.getByTestId("chart-run-time")).toHaveAttribute(
    "aria-label",
    new RegExp(`${ran.type} p50 \\d`),
  );
  await expect(page.getByTestId("chart-failure-rate")).toHaveAttribute(
    "aria-label",
    new RegExp(`${ran.type} 25 % \\(${FAILED} of ${TASKS}\\)`),
  );
  await expect(page.getByTestId("chart-wait-time")).toHaveAttribute(
    "aria-label",
    /p50 \d[\d.]* (ms|s)/,
  );
  await expect(page.getByTestId("chart-queue-depth")).toHaveAttribute(
    "aria-label",
    /^Queue depth now: \d+ blocked, \d+ waiting, \d+ queued/,
  );
  const agentLink = page.getByTestId("busiest-agents").getByRole("link", { name: ran.agentName });
  await expect(agentLink).toHaveAttribute("href", `/?agent=${ran.agentId}`);
});

test("the range is in the URL, and switching it reads coarser buckets", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/overview");
  const figures = page.getByTestId("overview-figures");
  await expect(figures).toHaveAttribute("data-range", "1h");
  await expect(page.getByTestId("chart-throughput")).toHaveAttribute(
    "aria-label",
    /^Tasks per 1 min/,
  );

  await page.getByText("24 h", { exact: true }).click();
  await expect(page).toHaveURL(/\/overview\?range=24h$/);
  await expect(figures).toHaveAttribute("data-range", "24h");
  await expect(page.getByTestId("chart-throughput")).toHaveAttribute(
    "aria-label",
    /^Tasks per 5 min/,
  );

  await page.getByText("7 d", { exact: true }).click();
  await expect(page).toHaveURL(/\/overview\?range=7d$/);
  await expect(page.getByTestId("chart-throughput")).toHaveAttribute(
    "aria-label",
    /^Tasks per 1 h/,
  );

  // A reload (or a shared link) opens the same range, rendered on the server.
  await page.reload();
  await expect(figures).toHaveAttribute("data-range", "7d");
  await expect(page.getByRole("radio", { name: "7 d" })).toBeChecked();
});

test("the overview is the first link of the navigation", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/overview");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link").first()).toHaveText("Overview");
  await expect(nav.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
});

test("the overview has no serious accessibility violations, in either theme", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/overview?range=15m");
  await expect(
    page.getByTestId("chart-throughput").locator(".recharts-wrapper > svg.recharts-surface"),
  ).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole("button", { name: /Switch to dark theme/ }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  expect(await seriousViolations(page)).toEqual([]);
});
