import { expect as baseExpect, type Page, test } from "@playwright/test";
import { MAX_TOASTS, TOAST_MS } from "@/lib/alerts/toasts";
import { adminClient, createToken, signIn } from "./fixtures/api";
import { type Holding, holdResources } from "./fixtures/holding";
import { seriousViolations } from "./fixtures/serious-violations";

// Live updates pass through the database, the event stream and a refetch, and axe walks the
// whole page: on a busy machine (2 cores shared with builds) both take far longer than usual.
const expect = baseExpect.configure({ timeout: 15_000 });
test.describe.configure({ timeout: 120_000 });

// A fresh agent declaring one slot, running a task that takes it: 100 % of an agent-scoped
// resource trips resource_usage (threshold 0.8) at once, on a subject no other spec shares.
const FULL_SLOT = { capacity: { slots: 1 }, requires: { slots: 1 } };

let holding: Holding | undefined;
/** More holdings a test made, released with `holding`. */
const others: Holding[] = [];

test.afterEach(async () => {
  const held = [...(holding ? [holding] : []), ...others.splice(0)];
  holding = undefined;
  for (const one of held) {
    await one.release();
    // Leave no firing alert behind for other specs' pages.
    const alert = await findAlert(`agent:${one.agentId}:slots`);
    if (alert?.state === "firing") await adminClient().trpc.alerts.resolve.mutate({ id: alert.id });
  }
});

async function findAlert(subject: string) {
  const { items } = await adminClient().trpc.alerts.list.query({
    rule: "resource_usage",
    limit: 200,
  });
  return items.find((alert) => alert.subject === subject);
}

async function openAlert(subject: string) {
  await expect.poll(async () => (await findAlert(subject))?.state).toBe("firing");
  const alert = await findAlert(subject);
  if (!alert) throw new Error(`no alert on ${subject}`);
  return alert;
}

async function waitUntilLive(page: Page) {
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
}

const rowOf = (page: Page, subject: string) =>
  page.locator(`[data-testid="alert-row"][data-subject="${subject}"]`);

test("an alert opened by a threshold toasts on any page, is listed, and is acknowledged", async ({
  page,
}) => {
  await signIn(page, await createToken("operator"), "/agents");
  await waitUntilLive(page);

  holding = await holdResources(FULL_SLOT);
  const subject = `agent:${holding.agentId}:slots`;

  // The toast comes on the agents page: it is mounted in the layout, not the alerts page.
  const toast = page.getByTestId("alert-toast").filter({ hasText: holding.agentName });
  await expect(toast).toBeVisible();
  await expect(toast).toHaveAttribute("role", "status");
  await expect(toast).toContainText("100 %");
  const alert = await openAlert(subject);
  await expect(toast).toHaveAttribute("data-alert-id", String(alert.id));

  await toast.getByRole("link", { name: "View alerts" }).click();
  await expect(page).toHaveURL(/\/alerts$/);
  const row = rowOf(page, subject);
  await expect(row).toContainText("Firing");
  await expect(row).toContainText("Critical");
  await expect(row).toContainText("Resource usage");
  await expect(row).toContainText(holding.agentName);

  await row.getByRole("button", { name: `Acknowledge alert ${alert.id}` }).click();
  await expect(row).toContainText("Acknowledged");
  await expect(row.getByRole("button", { name: /^Acknowledge/ })).toHaveCount(0);
  const acknowledged = await findAlert(subject);
  expect(acknowledged?.state).toBe("firing");
  expect(acknowledged?.acknowledgedAt).not.toBeNull();
  expect(acknowledged?.acknowledgedBy).toMatch(/^[0-9a-f-]{36}$/);

  // Resolving drops it from the open list; "All" still shows it, resolved.
  await row.getByRole("button", { name: `Resolve alert ${alert.id}` }).click();
  await expect(row).toHaveCount(0);
  // Polled: the row may leave the list before the resolve's answer is in (a live refetch).
  await expect
    .poll(async () => (await findAlert(subject))?.resolvedBy)
    .toBe(acknowledged?.acknowledgedBy);
  await page.getByText("All", { exact: true }).click();
  await expect(row).toContainText("Resolved");
});

/** A viewer on /resources, and the toast of a fresh alert (`holding`'s) shown there. */
async function toastOnResources(page: Page) {
  await signIn(page, await createToken("viewer"), "/resources");
  await waitUntilLive(page);
  holding = await holdResources(FULL_SLOT);
  const toast = page.getByTestId("alert-toast").filter({ hasText: holding.agentName });
  await expect(toast).toBeVisible();
  return toast;
}

/** toastOnResources under Playwright's clock, running at its own pace until a test jumps it. */
async function toastUnderClock(page: Page) {
  await page.clock.install();
  await page.clock.resume();
  return toastOnResources(page);
}

test("a toast is accessible on any page and can be dismissed", async ({ page }) => {
  const toast = await toastOnResources(page);
  // Focus in the toasts stops them hiding themselves, however long the check below takes.
  // Toasts land on every page, so they must not bring violations of their own to any of them.
  await toast.getByRole("link", { name: "View alerts" }).focus();
  expect(await seriousViolations(page)).toEqual([]);
  await expect(toast).toBeVisible();
  await toast.getByRole("button", { name: /^Dismiss alert/ }).click();
  await expect(toast).toHaveCount(0);
});

test("newer alerts do not push out the toast holding focus, and it hides itself once focus moves on", async ({
  page,
}) => {
  const toast = await toastUnderClock(page);
  await toast.getByRole("link", { name: "View alerts" }).focus();
  // A storm: as many newer alerts as there are toasts (agents released by earlier tests going
  // offline together made one, and took this toast and its focus away). Other specs' alerts
  // may come too: newer toasts can push each other out, so what shows that the page has had
  // them all is a toast of the last one's id or later (ids ascend, events come in order).
  let last = 0;
  for (let i = 0; i < MAX_TOASTS; i++) {
    const more = await holdResources(FULL_SLOT);
    others.push(more);
    last = (await openAlert(`agent:${more.agentId}:slots`)).id;
  }
  const toastIds = () =>
    page
      .getByTestId("alert-toast")
      .evaluateAll((toasts) => toasts.map((toast) => Number(toast.getAttribute("data-alert-id"))));
  await expect.poll(async () => Math.max(0, ...(await toastIds()))).toBeGreaterThanOrEqual(last);
  await expect(page.getByTestId("alert-toast")).toHaveCount(MAX_TOASTS);
  await expect(toast).toBeVisible();
  await expect(toast.getByRole("link", { name: "View alerts" })).toBeFocused();
  // Focus moving elsewhere on the page lets the toasts' clocks run again.
  await page.getByRole("heading", { name: "Resources", level: 1 }).click();
  await page.clock.fastForward(TOAST_MS + 1_000);
  await expect(toast).toHaveCount(0);
});

test("dismissing the focused toast from the keyboard lets the other toasts hide themselves", async ({
  page,
}) => {
  const toast = await toastUnderClock(page);
  // Focused at once, the toast holds every toast's clock, however slowly the next one comes.
  await toast.getByRole("button", { name: /^Dismiss alert/ }).focus();
  const more = await holdResources(FULL_SLOT);
  others.push(more);
  await openAlert(`agent:${more.agentId}:slots`);
  const other = page.getByTestId("alert-toast").filter({ hasText: more.agentName });
  await expect(other).toBeVisible();
  // The focused control goes with its toast: no blur says focus has left the toasts.
  await page.keyboard.press("Enter");
  await expect(toast).toHaveCount(0);
  await page.clock.fastForward(TOAST_MS + 1_000);
  await expect(other).toHaveCount(0);
});

test("a viewer sees alerts but no controls, and a forged acknowledge is refused", async ({
  page,
}) => {
  holding = await holdResources(FULL_SLOT);
  const subject = `agent:${holding.agentId}:slots`;
  const alert = await openAlert(subject);

  await signIn(page, await createToken("viewer"), "/alerts");
  await expect(rowOf(page, subject)).toContainText("Firing");
  await expect(page.getByRole("button", { name: /^(Acknowledge|Resolve)/ })).toHaveCount(0);
  await expect(page.getByRole("columnheader", { name: "Actions" })).toHaveCount(0);

  const origin = new URL(page.url()).origin;
  for (const procedure of ["alerts.acknowledge", "alerts.resolve"]) {
    const forged = await page.request.post(`/api/trpc/${procedure}`, {
      data: { id: alert.id },
      headers: { origin },
    });
    expect(forged.status(), procedure).toBe(403);
  }
  const after = await findAlert(subject);
  expect(after?.acknowledgedAt).toBeNull();
  expect(after?.state).toBe("firing");
});

test("the alerts page has no serious accessibility violations", async ({ page }) => {
  holding = await holdResources(FULL_SLOT);
  await openAlert(`agent:${holding.agentId}:slots`);
  await signIn(page, await createToken("operator"), "/alerts");
  await expect(page.getByTestId("alert-row").first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByText("All", { exact: true }).click();
  await expect(page.getByTestId("alert-row").first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
