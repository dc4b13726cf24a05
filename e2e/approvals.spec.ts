import { expect as baseExpect, type Page, test } from "@playwright/test";
import { createAgentWorker } from "@/sdk";
import { adminClient, createToken, E2E_BASE_URL, signIn, unique } from "./fixtures/api";
import { column } from "./fixtures/board";
import { seriousViolations } from "./fixtures/serious-violations";

// Live updates pass through the database, the event stream and a refetch: slow on a busy
// two-core machine.
const expect = baseExpect.configure({ timeout: 15_000 });
test.describe.configure({ timeout: 120_000 });

const admin = adminClient();

async function waitUntilLive(page: Page) {
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
}

const approvalCard = (page: Page, name: string) =>
  page.getByTestId("approval").filter({ has: page.getByRole("heading", { name, exact: true }) });

/** A gate waiting for approval at once (no upstream), then a task nobody can claim. */
async function submitGate(gateName: string) {
  const tag = unique("nobody");
  const { workflow, tasks } = await admin.submitWorkflow({
    name: unique("e2e approval run"),
    tasks: [
      { key: "gate", name: gateName, waitFor: { signal: "approval", timeoutS: 3600 } },
      { key: "publish", name: unique("publish"), dependsOn: ["gate"], capabilities: [tag] },
    ],
  });
  const id = (key: string) => tasks.find((t) => t.key === key)?.id ?? "";
  return { workflowId: workflow.id, gate: id("gate"), publish: id("publish") };
}

test("a gate appears live after its upstream task, its result shown as text, and is approved with a comment", async ({
  page,
}) => {
  const type = unique("e2e-draft");
  const gateName = unique("approve <i>the</i> draft");
  await signIn(page, await createToken("operator"), "/approvals");
  await waitUntilLive(page);

  const worker = createAgentWorker({
    url: E2E_BASE_URL,
    token: await createToken("agent"),
    name: unique("e2e-drafter"),
    capabilities: [type],
    waitMs: 2_000,
    handlers: { [type]: async () => ({ draft: '<img src=x onerror="window.__pwned=1">' }) },
  });
  await worker.start();
  try {
    const { tasks } = await admin.submitWorkflow({
      name: unique("e2e draft run"),
      tasks: [
        { key: "draft", name: unique("draft"), type, capabilities: [type] },
        {
          key: "gate",
          name: gateName,
          dependsOn: ["draft"],
          waitFor: { signal: "approval" },
        },
        { key: "publish", name: unique("publish"), dependsOn: ["gate"], capabilities: [type] },
      ],
    });
    const gateId = tasks.find((t) => t.key === "gate")?.id ?? "";

    // No reload: the draft's completion readies the gate, and the stream brings it here.
    const card = approvalCard(page, gateName);
    await expect(card).toBeVisible();
    await expect(page.getByTestId("approvals-count")).toHaveText(/^\d+/);
    await expect(card.getByTestId("upstream-result")).toContainText(
      '<img src=x onerror=\\"window.__pwned=1\\">',
    );
    await expect(card.locator("img, i")).toHaveCount(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await seriousViolations(page)).toEqual([]);

    await card.getByLabel("Comment (optional, kept in the result)").fill("looks <b>good</b>");
    await card.getByRole("button", { name: `Approve ${gateName}` }).click();
    await expect(card).toHaveCount(0);
    const gate = await admin.trpc.tasks.get.query({ id: gateId });
    expect(gate.state).toBe("succeeded");
    expect(gate.result).toEqual({ approved: true, comment: "looks <b>good</b>" });
  } finally {
    await worker.stop({ graceMs: 0 });
  }
});

test("a rejection with a reason fails the gate and cancels what depends on it", async ({
  page,
}) => {
  const gateName = unique("reject me");
  const run = await submitGate(gateName);
  await signIn(page, await createToken("operator"), "/approvals");
  const card = approvalCard(page, gateName);
  await expect(card).toBeVisible();

  await card.getByRole("button", { name: `Reject ${gateName}…` }).click();
  const reject = card.getByRole("button", { name: `Reject ${gateName}`, exact: true });
  await expect(reject).toBeDisabled();
  await card.getByLabel("Reason (required, kept in the error)").fill("the figures are wrong");
  await reject.click();
  await expect(card).toHaveCount(0);

  const gate = await admin.trpc.tasks.get.query({ id: run.gate });
  expect(gate.state).toBe("failed");
  expect(gate.error).toMatchObject({ code: "signal_failed", message: "the figures are wrong" });
  expect((await admin.trpc.tasks.get.query({ id: run.publish })).state).toBe("cancelled");
});

test("a viewer sees the approvals read-only", async ({ page }) => {
  const gateName = unique("viewer sees me");
  const run = await submitGate(gateName);
  await signIn(page, await createToken("viewer"), "/approvals");
  const card = approvalCard(page, gateName);
  await expect(card).toBeVisible();
  await expect(card.getByRole("button")).toHaveCount(0);
  await expect(card).toContainText("Operators approve or reject it.");
  expect(await seriousViolations(page)).toEqual([]);
  await admin.signal({ taskId: run.gate, signal: "approval", outcome: "fail", reason: "cleanup" });
  await expect(card).toHaveCount(0);
});

test("a waiting task has its own board column and shows on its run's timeline", async ({
  page,
}) => {
  const gateName = unique("board gate");
  const run = await submitGate(gateName);
  await signIn(page, await createToken("viewer"), `/?workflow=${run.workflowId}`);
  await expect(column(page, "waiting").getByTestId("task-card")).toContainText(gateName);

  await page.goto(`/workflows/${run.workflowId}?tab=timeline`);
  await expect(page.getByRole("img", { name: /Waiting for signal "approval"/ })).toBeVisible();
  await page.goto(`/tasks/${run.gate}`);
  await expect(page.getByTestId("explain")).toContainText("waiting for signal `approval` since");
  await admin.signal({ taskId: run.gate, signal: "approval", outcome: "fail", reason: "cleanup" });
});
