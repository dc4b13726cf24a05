import { expect, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { seriousViolations, useTheme } from "./fixtures/board";
import { runRow, submitFailedRun, submitStuckRun } from "./fixtures/runs";

const admin = adminClient();

test("the list shows a submitted run; new runs appear and counts move live", async ({ page }) => {
  const prefix = unique("e2e-runs-live");
  const first = await submitStuckRun(`${prefix} one`);
  await signIn(page, await createToken("viewer"), `/workflows?q=${prefix}`);

  const row = runRow(page, `${prefix} one`);
  await expect(row.getByTestId("run-state")).toHaveText(/Running/);
  await expect(row.getByTestId("run-progress")).toHaveText("0/2");
  await expect(row.getByRole("link", { name: `${prefix} one` })).toHaveAttribute(
    "href",
    `/workflows/${first.workflow.id}`,
  );

  // A run submitted while the page is open appears, newest first, without a reload.
  await submitStuckRun(`${prefix} two`);
  await expect(runRow(page, `${prefix} two`)).toBeVisible();
  await expect(page.getByTestId("run-row").first()).toContainText(`${prefix} two`);

  // Its counts follow its tasks: cancelling the run's tasks ends it.
  await admin.trpc.workflows.cancel.mutate({ id: first.workflow.id });
  await expect(row.getByTestId("run-state")).toHaveText(/Cancelled/);
  await expect(row.getByTestId("run-progress")).toHaveText("2/2");
  await expect(row.getByTestId("run-counts").locator("[data-state=cancelled]")).toContainText("2");
});

test("filters live in the URL", async ({ page }) => {
  const prefix = unique("e2e-runs-filter");
  await submitStuckRun(`${prefix} stays`);
  const cancelled = await submitStuckRun(`${prefix} cancelled`);
  await admin.trpc.workflows.cancel.mutate({ id: cancelled.workflow.id });

  await signIn(page, await createToken("viewer"), `/workflows?q=${prefix}&state=cancelled`);
  await expect(runRow(page, `${prefix} cancelled`)).toBeVisible();
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  await expect(page.getByLabel("State")).toHaveValue("cancelled");

  // Changing a field changes the URL, and the list with it.
  await page.getByLabel("State").selectOption("running");
  await expect(page).toHaveURL(/state=running/);
  await expect(runRow(page, `${prefix} stays`)).toBeVisible();
  await expect(page.getByTestId("run-row")).toHaveCount(1);

  // A day before every run: nothing matches.
  await page.goto(`/workflows?q=${prefix}&until=2001-01-01`);
  await expect(page.getByText("No runs match these filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/workflows$/);
});

test("an operator pauses, resumes, cancels and retries runs from the list", async ({ page }) => {
  const prefix = unique("e2e-runs-act");
  const stuck = await submitStuckRun(`${prefix} stuck`);
  const failed = await submitFailedRun(`${prefix} failed`);
  await signIn(page, await createToken("operator"), `/workflows?q=${prefix}`);

  const row = runRow(page, `${prefix} stuck`);
  await row.getByRole("button", { name: `Pause ${prefix} stuck` }).click();
  await expect(row.getByTestId("run-state")).toHaveText(/Paused/);
  expect((await admin.trpc.workflows.run.query({ id: stuck.workflow.id })).state).toBe("paused");
  await row.getByRole("button", { name: `Resume ${prefix} stuck` }).click();
  await expect(row.getByTestId("run-state")).toHaveText(/Running/);
  await row.getByRole("button", { name: `Cancel ${prefix} stuck` }).click();
  await expect(row.getByTestId("run-state")).toHaveText(/Cancelled/);
  await expect(row.getByTestId("run-actions").getByRole("button")).toHaveCount(0);

  const failedRow = runRow(page, `${prefix} failed`);
  await expect(failedRow.getByTestId("run-state")).toHaveText(/Failed/);
  await failedRow.getByRole("button", { name: `Retry failed tasks of ${prefix} failed` }).click();
  await expect(failedRow.getByTestId("run-state")).toHaveText(/Running/);
  const run = await admin.trpc.workflows.run.query({ id: failed.workflow.id });
  expect(run.counts).toMatchObject({ failed: 0, cancelled: 0 });
});

test("a viewer sees no controls, and the server refuses a forged run operation", async ({
  page,
}) => {
  const prefix = unique("e2e-runs-viewer");
  const run = await submitStuckRun(`${prefix} run`);
  await signIn(page, await createToken("viewer"), `/workflows?q=${prefix}`);
  const row = runRow(page, `${prefix} run`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId("runs-table").getByRole("button")).toHaveCount(0);

  const status = await page.evaluate(async (id) => {
    const response = await fetch("/api/trpc/workflows.cancel", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id }),
    });
    return response.status;
  }, run.workflow.id);
  expect(status).toBe(403);
  expect((await admin.trpc.workflows.run.query({ id: run.workflow.id })).state).toBe("running");
});

for (const theme of ["light", "dark"] as const) {
  test(`the runs list has no serious accessibility violations (${theme})`, async ({ page }) => {
    // axe walks the whole page: seconds on a busy two-core machine.
    test.slow();
    await submitStuckRun(unique("e2e-runs-axe"));
    await submitFailedRun(unique("e2e-runs-axe-failed"));
    await useTheme(page, theme);
    await signIn(page, await createToken("admin"), "/workflows");
    await expect(page.getByTestId("run-row").first()).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}
