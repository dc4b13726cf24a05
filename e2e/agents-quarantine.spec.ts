import { expect as baseExpect, type Page, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { seriousViolations } from "./fixtures/serious-violations";

// Live updates pass through the database, the event stream and a refetch, and axe walks the
// whole page: on a busy machine (2 cores shared with builds) both take far longer than usual.
const expect = baseExpect.configure({ timeout: 15_000 });
test.describe.configure({ timeout: 120_000 });

const cardOf = (page: Page, agentId: string) =>
  page.locator(`[data-testid="agent-card"][data-agent-id="${agentId}"]`);

/**
 * Two fresh agents sharing a unique capability, and a task type only they run: `flaky` fails
 * one attempt, `healthy` succeeds at the type, `flaky` fails four more: quarantined (the
 * default quarantine_after_failures is 5).
 */
async function quarantinedAgent() {
  const admin = adminClient();
  const capability = unique("quarantine-cap");
  const type = unique("quarantine-type");
  const register = (name: string) =>
    admin.trpc.agents.register.mutate({ name: unique(name), capabilities: [capability] });
  const flaky = await register("flaky-agent");
  const healthy = await register("healthy-agent");
  const attempt = async (agentId: string, outcome: "fail" | "succeed") => {
    await admin.trpc.tasks.submit.mutate({
      name: unique("quarantine-task"),
      type,
      capabilities: [capability],
      maxAttempts: 1,
      // Ahead of tasks other specs left queued that ask for no capability.
      priority: 1_000_000,
    });
    const { tasks } = await admin.trpc.agents.claim.mutate({ agentId, waitMs: 10_000 });
    const task = tasks[0];
    if (!task) throw new Error("nothing claimed");
    const lease = { agentId, taskId: task.id, leaseEpoch: task.leaseEpoch };
    if (outcome === "succeed") await admin.trpc.tasks.complete.mutate(lease);
    else await admin.trpc.tasks.fail.mutate({ ...lease, error: "boom", retryable: false });
  };
  await attempt(flaky.id, "fail");
  await attempt(healthy.id, "succeed");
  for (let i = 0; i < 4; i++) await attempt(flaky.id, "fail");
  const agent = await admin.trpc.agents.get.query({ agentId: flaky.id });
  if (!agent.quarantine) throw new Error(`agent ${flaky.name} was not quarantined`);
  return { id: flaky.id, name: flaky.name, type };
}

test("an operator sees a quarantined agent, why, and releases it", async ({ page }) => {
  const flaky = await quarantinedAgent();
  await signIn(page, await createToken("operator"), "/agents");
  const card = cardOf(page, flaky.id);
  const quarantine = card.getByTestId("agent-quarantine");
  await expect(quarantine).toContainText("Claims nothing until");
  await expect(quarantine).toContainText("5 failed attempts in a row");
  await expect(card.getByTestId("agent-quarantine-reason")).toContainText(
    `its last 5 attempts failed (task types: ${flaky.type})`,
  );
  expect(await seriousViolations(page)).toEqual([]);

  await card.getByRole("button", { name: `Release ${flaky.name}` }).click();
  await expect(quarantine).toHaveCount(0);
  const agent = await adminClient().trpc.agents.get.query({ agentId: flaky.id });
  expect(agent.quarantine).toBeNull();
});

test("a viewer sees the quarantine but no Release, and a forged release is refused", async ({
  page,
}) => {
  const flaky = await quarantinedAgent();
  await signIn(page, await createToken("viewer"), "/agents");
  const card = cardOf(page, flaky.id);
  await expect(card.getByTestId("agent-quarantine")).toContainText("Claims nothing until");
  await expect(page.getByRole("button", { name: /^Release / })).toHaveCount(0);

  const origin = new URL(page.url()).origin;
  const forged = await page.request.post("/api/trpc/agents.release", {
    data: { agentId: flaky.id },
    headers: { origin },
  });
  expect(forged.status()).toBe(403);
  const agent = await adminClient().trpc.agents.get.query({ agentId: flaky.id });
  expect(agent.quarantine).not.toBeNull();
});
