import { expect as baseExpect, type Locator, type Page, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { type Holding, holdResources } from "./fixtures/holding";
import { seriousViolations } from "./fixtures/serious-violations";

// Live updates pass through the database, the event stream and a refetch, and axe walks the
// whole page: on a busy machine (2 cores shared with builds) both take far longer than usual.
const expect = baseExpect.configure({ timeout: 15_000 });
test.describe.configure({ timeout: 120_000 });

let holding: Holding | undefined;

test.afterEach(async () => {
  await holding?.release();
  holding = undefined;
});

async function poolInUse(name: string): Promise<number> {
  const pool = (await adminClient().trpc.resources.list.query()).find((r) => r.name === name);
  if (!pool) throw new Error(`no pool ${name}`);
  return pool.inUse;
}

const seriesOf = (page: Page, key: string) =>
  page.locator(`[data-testid="utilisation-series"][data-series="${key}"]`);

/** The chart's latest point, as the page exposes it. */
async function latestHeld(series: Locator): Promise<number> {
  return Number(await series.getAttribute("data-latest-held"));
}

test("the chart's latest point matches resources.list, and follows claims and releases live", async ({
  page,
}) => {
  await signIn(page, await createToken("viewer"), "/resources");
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("usage-threshold")).toHaveAttribute("data-threshold", "0.8");
  const gpu = seriesOf(page, "pool:gpu");
  await expect(
    gpu.getByRole("img", { name: /^gpu: utilisation over the last hour/ }),
  ).toBeVisible();

  const before = await poolInUse("gpu");
  holding = await holdResources({ requires: { gpu: 1, cpu: 2 }, capacity: { cpu: 4 } });
  const held = await poolInUse("gpu");
  expect(held).toBe(before + 1);
  // No reload: the task.started event refreshes the chart and the holders.
  await expect.poll(() => latestHeld(gpu)).toBe(held);
  await expect(gpu.getByTestId("usage-figures")).toHaveText(`${held} of 4 (${held * 25} %) in use`);
  await expect(gpu.getByRole("meter", { name: "gpu in use now" })).toBeAttached();

  // The agent's own resource is a series of its own: 2 of its 4 cpu.
  const cpu = seriesOf(page, `agent:${holding.agentId}:cpu`);
  await expect(cpu).toHaveAttribute("data-latest-ratio", "0.5");
  await expect(cpu.getByRole("heading")).toHaveText(`${holding.agentName} · cpu`);

  const holder = page.locator(
    `[data-testid="holder-row"][data-resource="gpu"][data-task-id="${holding.taskId}"]`,
  );
  await expect(holder).toContainText(holding.agentName);
  await expect(holder.getByRole("link", { name: holding.taskName })).toHaveAttribute(
    "href",
    `/tasks/${holding.taskId}`,
  );

  // Another range: the same latest point.
  await page.getByText("24 h", { exact: true }).click();
  await expect(gpu.getByRole("img", { name: /over the last 24 hours/ })).toBeVisible();
  expect(await latestHeld(gpu)).toBe(await poolInUse("gpu"));

  await holding.release();
  holding = undefined;
  const after = await poolInUse("gpu");
  expect(after).toBe(before);
  await expect.poll(() => latestHeld(gpu)).toBe(after);
  await expect(holder).toHaveCount(0);
});

test("a concurrency key shows its running tasks against its limit, live", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/resources");
  await expect(page.getByRole("heading", { name: "Reservations", exact: true })).toBeVisible();
  const key = unique("customer");
  holding = await holdResources({ requires: {}, concurrency: { key, limit: 2 } });
  const row = page.locator(`[data-testid="concurrency-key"][data-key="${key}"]`);
  // No reload: the task.started event refetches the panel.
  await expect(row.getByTestId("key-usage")).toHaveText("1 / 2");
  await expect(row.getByRole("link", { name: holding.taskName })).toHaveAttribute(
    "href",
    `/tasks/${holding.taskId}`,
  );
  await holding.release();
  holding = undefined;
  await expect(row).toHaveCount(0);
});

test("the resources page has no serious accessibility violations, in either theme", async ({
  page,
}) => {
  holding = await holdResources({ requires: { gpu: 1 } });
  await signIn(page, await createToken("operator"), "/resources");
  await expect(page.getByTestId("holder-row").first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole("button", { name: /Switch to dark theme/ }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  expect(await seriousViolations(page)).toEqual([]);
});
