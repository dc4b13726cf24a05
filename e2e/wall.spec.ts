import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN_TOKEN } from "./fixtures/admin-token";
import { createToken, E2E_BASE_URL, signIn } from "./fixtures/api";
import {
  cancelActiveRuns,
  openPoolAlert,
  submitSmallWorkflow,
  waitForLiveWall,
} from "./fixtures/wall";

const PANELS = ["headline", "alerts", "pools", "workflows"] as const;

async function expectNoScrollbars(page: Page) {
  const overflow = await page.evaluate(() => {
    const root = document.documentElement;
    return {
      x: root.scrollWidth - root.clientWidth,
      y: root.scrollHeight - root.clientHeight,
    };
  });
  expect(overflow).toEqual({ x: 0, y: 0 });
}

test("a viewer's sign-in link opens the wall after one click, and the token leaves the address bar", async ({
  page,
}) => {
  const viewer = await createToken("viewer", "wall screen");
  await page.goto(`/wall?layout=grid&token=${encodeURIComponent(viewer)}`);
  await expect(page.getByTestId("sign-in-offer")).toContainText("role viewer");
  await expect(page).not.toHaveURL(/token=/);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/wall\?layout=grid$/);
  expect(page.url()).not.toContain("token");
  await waitForLiveWall(page);
  // No navigation, no controls: nothing on the wall can be clicked or focused.
  await expect(page.locator("a, button, input, select, textarea")).toHaveCount(0);
});

test("signed out, the wall sends the browser to sign-in and back to the wall", async ({ page }) => {
  await page.goto("/wall?layout=grid");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fwall%3Flayout%3Dgrid$/);
  await page.getByLabel("API token").fill(await createToken("viewer", "wall form"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/wall\?layout=grid$/);
});

test("with a dead session cookie, the wall sends the browser to sign-in with next=/wall", async ({
  page,
  context,
}) => {
  // The proxy sees a cookie and lets it through; the layout's check against the database fails.
  await context.addCookies([{ name: "tm_session", value: "tms_revoked", url: E2E_BASE_URL }]);
  await page.goto("/wall");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fwall$/);
});

for (const size of [
  { width: 1920, height: 1080 },
  { width: 3840, height: 2160 },
]) {
  test(`at ${size.width}×${size.height} every panel is visible and nothing scrolls`, async ({
    page,
  }) => {
    // axe takes its time on a busy two-core machine.
    test.setTimeout(120_000);
    await page.setViewportSize(size);
    const workflow = await submitSmallWorkflow(E2E_BASE_URL, E2E_ADMIN_TOKEN);
    try {
      await signIn(page, await createToken("viewer"), "/wall?layout=grid");
      await waitForLiveWall(page);
      await expect(page.getByTestId("wall-figure-running")).toHaveText(/^\d/);
      for (const panel of PANELS) {
        await expect(page.getByTestId(`wall-panel-${panel}`)).toBeInViewport({ ratio: 1 });
      }
      await expectNoScrollbars(page);
      // Dark whatever the saved theme.
      await expect(page.getByTestId("wall")).toHaveClass(/\bdark\b/);

      const analysis = await new AxeBuilder({ page }).analyze();
      const serious = analysis.violations.filter(
        (v) => v.impact === "serious" || v.impact === "critical",
      );
      expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(", ")}`)).toEqual([]);
    } finally {
      await workflow.cancel();
    }
  });
}

test("an alert opened through the API is on the wall within 2 s", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/wall?layout=grid");
  await waitForLiveWall(page);

  const pool = await openPoolAlert(E2E_BASE_URL, E2E_ADMIN_TOKEN);
  const alert = page.getByTestId("wall-alert").filter({ hasText: `pool ${pool} ` });
  await expect(alert).toBeVisible({ timeout: 2_000 });
  // Severity by icon and word, not colour alone; the pool's gauge says it is full.
  await expect(alert).toContainText(/Critical|Warning/);
  await expect(page.locator(`[data-testid="wall-pool"][data-pool="${pool}"]`)).toHaveAttribute(
    "data-level",
    "full",
  );
});

test("a submitted workflow appears as a live graph that follows its tasks", async ({ page }) => {
  await cancelActiveRuns(E2E_BASE_URL, E2E_ADMIN_TOKEN);
  await signIn(page, await createToken("viewer"), "/wall?layout=grid");
  await waitForLiveWall(page);
  const workflow = await submitSmallWorkflow(E2E_BASE_URL, E2E_ADMIN_TOKEN);
  const card = page.locator(`[data-testid="wall-workflow"][data-workflow-id="${workflow.id}"]`);
  try {
    // The wall re-selects its runs at most every 5 s (components/wall/workflow-graphs.tsx).
    await expect(card).toContainText(workflow.name, { timeout: 15_000 });
    await expect(card).toContainText("1 queued");
    await expect(card.locator("svg g[data-state]")).toHaveCount(2);
  } finally {
    await workflow.cancel();
  }
  // Cancelled: it has no work left and leaves the wall.
  await expect(card).toHaveCount(0, { timeout: 15_000 });
});

test("panels take turns on the ?rotate= period", async ({ page }) => {
  await page.clock.install();
  await signIn(page, await createToken("viewer"), "/wall?rotate=20");
  const rotation = page.getByTestId("wall-rotation");
  await expect(rotation).toHaveText("Alerts · 1 / 3");
  await expect(page.getByTestId("wall-panel-alerts")).toBeVisible();
  await expect(page.getByTestId("wall-panel-pools")).toBeHidden();

  await page.clock.runFor(20_000);
  await expect(rotation).toHaveText("Pools · 2 / 3");
  await expect(page.getByTestId("wall-panel-pools")).toBeVisible();
  await expect(page.getByTestId("wall-panel-alerts")).toBeHidden();
  // The headline figures stay on screen throughout.
  await expect(page.getByTestId("wall-panel-headline")).toBeVisible();

  await page.clock.runFor(40_000);
  await expect(rotation).toHaveText("Alerts · 1 / 3");
});
