import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";
import { createTrpc } from "@/sdk";
import { adminClient, createToken, E2E_BASE_URL, signIn, unique } from "./fixtures/api";
import { seriousViolations } from "./fixtures/serious-violations";

const HOSTILE = "<img src=x onerror=alert(1)>";

/**
 * prepare → (build, check): three tasks needing a capability of their own, so only this
 * test's agent claims them. Retries have no backoff: the test waits on events, not on time.
 */
async function submitRun() {
  const capability = unique("run-cap");
  const spec = { capabilities: [capability], backoff: { baseS: 0, maxS: 0 } };
  const submitted = await adminClient().submitWorkflow({
    name: unique("run-wf"),
    metadata: { team: "render", note: HOSTILE },
    tasks: [
      { key: "prepare", name: "Prepare", maxAttempts: 2, ...spec },
      // Ahead of check, released at the same moment: the agent claims build first.
      { key: "build", name: "Build", dependsOn: ["prepare"], maxAttempts: 1, priority: 1, ...spec },
      { key: "check", name: "Check", dependsOn: ["prepare"], ...spec },
    ],
  });
  const idOf = (key: string) => {
    const id = submitted.tasks.find((task) => task.key === key)?.id;
    if (!id) throw new Error(`no task ${key}`);
    return id;
  };
  const agent = createTrpc({ url: E2E_BASE_URL, token: await createToken("agent") });
  const { id: agentId } = await agent.agents.register.mutate({
    name: unique("run-agent"),
    capabilities: [capability],
  });
  /** Claims `taskId` (waiting for it to be claimable) and returns its lease. */
  const claim = async (taskId: string) => {
    const { tasks } = await agent.agents.claim.mutate({ agentId, max: 1, waitMs: 10_000 });
    const claimed = tasks[0];
    if (claimed?.id !== taskId) throw new Error(`expected to claim ${taskId}, got ${claimed?.id}`);
    return { agentId, taskId, leaseEpoch: claimed.leaseEpoch };
  };
  return {
    workflowId: submitted.workflow.id,
    name: submitted.workflow.name,
    idOf,
    claim,
    fail: (lease: Awaited<ReturnType<typeof claim>>, retryable: boolean) =>
      agent.tasks.fail.mutate({ ...lease, error: "boom", retryable }),
    complete: (lease: Awaited<ReturnType<typeof claim>>) => agent.tasks.complete.mutate(lease),
  };
}

async function openRun(page: Page, token: string, workflowId: string, tab = "timeline") {
  await signIn(page, token, `/workflows/${workflowId}?tab=${tab}`);
  await expect(page.getByTestId("run-page")).toBeVisible({ timeout: 20_000 });
}

const row = (page: Page, taskId: string) =>
  page.locator(`[data-testid="timeline-row"][data-task-id="${taskId}"]`);

test("a run's page shows its header and sections, and its timeline a bar per attempt", async ({
  page,
}) => {
  const run = await submitRun();
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await openRun(page, await createToken("viewer"), run.workflowId);
  await expect(page.getByTestId("run-name")).toHaveText(run.name);
  await expect(page.getByTestId("run-state")).toHaveAttribute("data-state", "running");
  await expect(page.getByTestId("run-progress")).toContainText("0 of 3 tasks finished");
  await expect(page.getByTestId("run-metadata")).toContainText(HOSTILE);
  await expect(page.getByTestId("timeline-not-started")).toBeVisible();
  // A viewer sees no controls.
  await expect(page.getByTestId("run-actions")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Pause|Cancel run|Retry failed/ })).toHaveCount(0);

  // Prepare fails once (retried), then succeeds: two attempts, two run bars, live.
  const first = await run.claim(run.idOf("prepare"));
  await run.fail(first, true);
  const second = await run.claim(run.idOf("prepare"));
  await run.complete(second);
  const prepare = row(page, run.idOf("prepare"));
  await expect(prepare.locator('[data-testid="timeline-bar"][data-kind="run"]')).toHaveCount(2);
  await expect(prepare.locator('[data-kind="run"][data-outcome="retried"]')).toHaveCount(1);
  await expect(prepare.locator('[data-kind="run"][data-outcome="succeeded"]')).toHaveCount(1);
  await expect(prepare.locator('[data-kind="run"]').first()).toHaveAttribute(
    "title",
    /^Attempt 1, failed, retried: /,
  );
  await expect(page.getByTestId("timeline-not-started")).toHaveCount(0);
  await expect(page.getByTestId("run-progress")).toContainText("1 of 3 tasks finished");
  // The queued dependents wait (lighter bars), and the critical path is marked.
  await expect(row(page, run.idOf("build")).locator('[data-kind="wait"]')).toHaveCount(1);
  await expect(prepare).toHaveAttribute("data-critical", "true");

  await page.getByLabel("Sort rows by").selectOption("name");
  await expect(page.getByTestId("timeline-row").first()).toContainText("Build");

  await page.getByRole("link", { name: "Tasks", exact: true }).click();
  await expect(page).toHaveURL(`/workflows/${run.workflowId}?tab=tasks`);
  const prepareRow = page.locator(
    `[data-testid="run-task-row"][data-task-id="${run.idOf("prepare")}"]`,
  );
  await expect(prepareRow).toContainText("Succeeded");
  await expect(prepareRow.locator("td").nth(4)).toHaveText("2");
  await page.getByLabel("State").selectOption("queued");
  await expect(page.getByTestId("run-task-row")).toHaveCount(2);

  await page.getByRole("link", { name: "Events", exact: true }).click();
  await expect(page.getByTestId("run-events")).toContainText("task.retrying");
  await expect(page.getByTestId("run-events")).toContainText("task.succeeded");

  await page.getByRole("link", { name: "Timeline", exact: true }).click();
  expect(await seriousViolations(page)).toEqual([]);
  expect(dialogs).toEqual([]);
});

test("an operator pauses, resumes, retries what failed and cancels the run", async ({ page }) => {
  const run = await submitRun();
  const prepare = await run.claim(run.idOf("prepare"));
  await run.complete(prepare);
  await openRun(page, await createToken("operator"), run.workflowId);
  const state = page.getByTestId("run-state");
  await expect(state).toHaveAttribute("data-state", "running");

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(state).toHaveAttribute("data-state", "paused");
  await expect(page.getByTestId("run-action-result")).toHaveText("Run paused.");
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(state).toHaveAttribute("data-state", "running");
  await expect(page.getByTestId("run-action-result")).toHaveText("Run resumed.");

  // Build fails for good: "Retry failed" appears live and queues it again.
  const build = await run.claim(run.idOf("build"));
  await run.fail(build, false);
  await expect(page.getByTestId("run-progress")).toContainText("1 failed");
  await page.getByRole("button", { name: "Retry failed" }).click();
  await expect(page.getByTestId("run-action-result")).toHaveText("Failed tasks queued again.");
  await expect(page.getByRole("button", { name: "Retry failed" })).toHaveCount(0);
  expect((await adminClient().trpc.tasks.get.query({ id: run.idOf("build") })).state).toBe(
    "queued",
  );

  await page.getByLabel("Reason for cancelling").fill("superseded by a newer run");
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(state).toHaveAttribute("data-state", "cancelled");
  await expect(page.getByTestId("run-action-result")).toHaveText("Run cancelled.");
  const cancelled = await adminClient().trpc.tasks.get.query({ id: run.idOf("check") });
  expect(cancelled.state).toBe("cancelled");
  expect(cancelled.cancelReason).toBe("superseded by a newer run");
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
});

test("an orchestrator sees the controls, and the server's refusal on a run not its own", async ({
  page,
}) => {
  const run = await submitRun();
  await openRun(page, await createToken("orchestrator"), run.workflowId);
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("run-action-error")).toBeVisible();
  await expect(page.getByTestId("run-state")).toHaveAttribute("data-state", "running");
});

test("the old graph address redirects to the run page, and unknown runs are a 404", async ({
  page,
}) => {
  const run = await submitRun();
  await signIn(page, await createToken("viewer"), `/graph?workflow=${run.workflowId}`);
  await expect(page).toHaveURL(`/workflows/${run.workflowId}?tab=graph`);
  await expect(page.getByTestId("graph-node")).toHaveCount(3, { timeout: 20_000 });

  await page.goto("/graph");
  await expect(page).toHaveURL("/workflows");

  for (const path of [`/workflows/${randomUUID()}`, "/workflows/not-a-uuid"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
  }
});
