import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { seriousViolations, useTheme } from "./fixtures/board";

const admin = adminClient();

/** Two tasks, `downstream` waiting for `upstream`, which no agent can claim. */
async function submitPair() {
  const capability = unique("nobody");
  const names = { upstream: unique("upstream"), downstream: unique("downstream") };
  const { tasks, workflow } = await admin.submitWorkflow({
    name: unique("e2e task page"),
    tasks: [
      {
        key: "up",
        name: names.upstream,
        capabilities: [capability],
        payload: { greeting: "<b>hi</b>", n: 1 },
      },
      { key: "down", name: names.downstream, dependsOn: ["up"] },
    ],
  });
  const [up, down] = tasks;
  if (!up || !down) throw new Error("workflow without tasks");
  return {
    up: { ...up, name: names.upstream },
    down: { ...down, name: names.downstream },
    capability,
    workflowId: workflow.id,
  };
}

test("shows the task's fields, payload, edges and why it waits, and follows it live", async ({
  page,
}) => {
  const { up, down, capability, workflowId } = await submitPair();
  await signIn(page, await createToken("viewer"), `/tasks/${down.id}`);
  await expect(page.getByTestId("task-name")).toHaveText(down.name);
  await expect(page.getByTestId("task-state")).toHaveText(/Blocked/);
  await expect(page.getByTestId("task-run-link")).toHaveAttribute(
    "href",
    `/workflows/${workflowId}`,
  );
  await expect(page.getByTestId("explain")).toContainText("waiting for 1 unfinished dependency");
  const upstream = page.getByRole("region", { name: /Upstream/ });
  await expect(upstream.getByRole("link", { name: up.name })).toBeVisible();
  await expect(upstream).toContainText("Queued");

  await upstream.getByRole("link", { name: up.name }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${up.id}$`));
  await expect(page.getByTestId("task-payload")).toContainText('"greeting": "<b>hi</b>"');
  await expect(page.getByTestId("explain")).toContainText(`capability "${capability}"`);
  await expect(
    page.getByRole("region", { name: /Downstream/ }).getByRole("link", { name: down.name }),
  ).toBeVisible();
  await expect(page.getByTestId("timeline")).toContainText("submitted");

  await admin.trpc.tasks.cancel.mutate({ id: up.id, reason: "no longer wanted" });
  await expect(page.getByTestId("task-state")).toHaveText(/Cancelled/, { timeout: 2_000 });
  await expect(page.getByTestId("timeline")).toContainText("no longer wanted");
  await expect(page.getByTestId("explain")).toContainText("no longer wanted");
});

test("an operator cancels, retries and reprioritises from the task page", async ({ page }) => {
  const { up } = await submitPair();
  await signIn(page, await createToken("operator"), `/tasks/${up.id}`);
  await expect(page.getByTestId("task-state")).toHaveText(/Queued/);

  await page.getByLabel(`Priority of ${up.name}`, { exact: true }).fill("7");
  await page.getByRole("button", { name: /^Set priority/ }).click();
  await expect(page.getByTestId("task-priority")).toHaveText("7", { timeout: 2_000 });

  await page.getByRole("button", { name: /^Cancel/ }).click();
  await expect(page.getByTestId("task-state")).toHaveText(/Cancelled/, { timeout: 2_000 });
  await page.getByRole("button", { name: /^Retry/ }).click();
  await expect(page.getByTestId("task-state")).toHaveText(/Queued/, { timeout: 2_000 });
});

test("an unknown task id is a proper not-found page", async ({ page }) => {
  await signIn(page, await createToken("viewer"), "/");
  for (const id of [randomUUID(), "not-a-task-id"]) {
    const response = await page.goto(`/tasks/${id}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Task not found" })).toBeVisible();
  }
});

for (const theme of ["light", "dark"] as const) {
  test(`the task page has no serious accessibility violations (${theme})`, async ({ page }) => {
    // axe walks the whole page: seconds on a busy two-core machine.
    test.slow();
    const { down } = await submitPair();
    await useTheme(page, theme);
    await signIn(page, await createToken("admin"), `/tasks/${down.id}`);
    await expect(page.getByTestId("explain")).toContainText("waiting");
    await expect(page.getByTestId("timeline")).toContainText("submitted");
    expect(await seriousViolations(page)).toEqual([]);
  });
}
