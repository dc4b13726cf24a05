import { expect as baseExpect, type Page, test } from "@playwright/test";
import { adminClient, createToken, signIn } from "./fixtures/api";
import { type Holding, holdResources } from "./fixtures/holding";
import { seriousViolations } from "./fixtures/serious-violations";

// Live updates pass through the database, the event stream and a refetch, and axe walks the
// whole page: on a busy machine (2 cores shared with builds) both take far longer than usual.
const expect = baseExpect.configure({ timeout: 15_000 });
test.describe.configure({ timeout: 120_000 });

// Half the agent's slots: running, but below the usage threshold (no alert).
const HALF = { capacity: { slots: 2 }, requires: { slots: 1 } };

let holding: Holding | undefined;

test.afterEach(async () => {
  await holding?.release();
  holding = undefined;
});

async function agentStatus(agentId: string) {
  return (await adminClient().trpc.agents.list.query()).find((a) => a.id === agentId)?.status;
}

const cardOf = (page: Page, agentId: string) =>
  page.locator(`[data-testid="agent-card"][data-agent-id="${agentId}"]`);

test("an operator sees what an agent runs, and drains and resumes it", async ({ page }) => {
  holding = await holdResources(HALF);
  await signIn(page, await createToken("operator"), "/agents");
  const card = cardOf(page, holding.agentId);
  await expect(card.getByRole("heading", { name: holding.agentName })).toBeVisible();
  await expect(card.getByTestId("agent-status")).toHaveAttribute("data-status", "online");
  await expect(card.getByTestId("agent-usage")).toContainText("slots 1 of 2 in use");
  await expect(card.getByTestId("agent-heartbeat")).toHaveText(/^\d+ s ago$/);
  await expect(card.getByRole("link", { name: holding.taskName })).toHaveAttribute(
    "href",
    `/tasks/${holding.taskId}`,
  );

  await card.getByRole("button", { name: `Drain ${holding.agentName}` }).click();
  await expect(card.getByTestId("agent-status")).toHaveAttribute("data-status", "draining");
  expect(await agentStatus(holding.agentId)).toBe("draining");

  await card.getByRole("button", { name: `Resume ${holding.agentName}` }).click();
  await expect(card.getByTestId("agent-status")).toHaveAttribute("data-status", "online");
  expect(await agentStatus(holding.agentId)).toBe("online");

  // A drain from elsewhere (the API) shows up live, as does the task ending.
  await adminClient().trpc.agents.drain.mutate({ agentId: holding.agentId });
  await expect(card.getByTestId("agent-status")).toHaveAttribute("data-status", "draining");
  await holding.release();
  await expect(card.getByTestId("agent-running")).toHaveText("no tasks");
  await expect(card.getByTestId("agent-usage")).toContainText("slots 0 of 2 in use");
});

test("a viewer sees agents but no drain or resume, and a forged drain is refused", async ({
  page,
}) => {
  holding = await holdResources(HALF);
  await signIn(page, await createToken("viewer"), "/agents");
  await expect(cardOf(page, holding.agentId).getByTestId("agent-status")).toHaveAttribute(
    "data-status",
    "online",
  );
  await expect(page.getByRole("button", { name: /^(Drain|Resume) / })).toHaveCount(0);

  const origin = new URL(page.url()).origin;
  for (const procedure of ["agents.drain", "agents.resume"]) {
    const forged = await page.request.post(`/api/trpc/${procedure}`, {
      data: { agentId: holding.agentId },
      headers: { origin },
    });
    expect(forged.status(), procedure).toBe(403);
  }
  expect(await agentStatus(holding.agentId)).toBe("online");
});

test("the agents page has no serious accessibility violations", async ({ page }) => {
  holding = await holdResources(HALF);
  await signIn(page, await createToken("operator"), "/agents");
  await expect(cardOf(page, holding.agentId)).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
