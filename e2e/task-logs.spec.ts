import { readFile } from "node:fs/promises";
import { expect, type Page, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { seriousViolations, useTheme, watchDialogs } from "./fixtures/board";

const admin = adminClient();
type Level = "debug" | "info" | "warn" | "error";

/** A task held by a fresh agent (its own capability), and a way to log to it as that agent. */
async function runningTask() {
  const capability = unique("logs-cap");
  const agent = await admin.trpc.agents.register.mutate({
    name: unique("logs-agent"),
    capabilities: [capability],
    capacity: {},
  });
  const { task } = await admin.trpc.tasks.submit.mutate({
    name: unique("logged task"),
    capabilities: [capability],
    leaseS: 600,
    // Ahead of any task other specs left queued that asks for no capability: this agent could
    // claim those too, and the claim's fair-share order need not pick the newest first.
    priority: 1_000_000,
  });
  const { tasks } = await admin.trpc.agents.claim.mutate({ agentId: agent.id, waitMs: 10_000 });
  const claimed = tasks[0];
  if (claimed?.id !== task.id) throw new Error("the agent did not claim the task");
  const log = (...lines: [Level, string][]) =>
    admin.trpc.tasks.log.mutate({
      agentId: agent.id,
      taskId: task.id,
      leaseEpoch: claimed.leaseEpoch,
      lines: lines.map(([level, message]) => ({ level, message })),
    });
  return { task, log };
}

const lines = (page: Page) => page.getByTestId("log-line");

test("follows a running task's log live, filters it by level and text, and downloads it", async ({
  page,
}) => {
  const dialogs = watchDialogs(page);
  const { task, log } = await runningTask();
  await log(
    ["debug", "connecting to the source"],
    ["info", "fetched 120 rows"],
    ["warn", "slow response from the source"],
    ["error", "<img src=x onerror=alert(1)> <script>alert(2)</script>"],
  );
  await signIn(page, await createToken("viewer"), `/tasks/${task.id}`);
  const panel = page.getByTestId("task-log");
  await expect(lines(page)).toHaveCount(4);
  // Log text is text: the markup shows as typed and never runs.
  await expect(panel).toContainText("<img src=x onerror=alert(1)> <script>alert(2)</script>");
  await expect(page.locator('img[src="x"]')).toHaveCount(0);

  // A running task is followed from the start: a new line shows up by itself.
  const follow = panel.getByTestId("log-follow");
  await expect(follow).toHaveAttribute("aria-pressed", "true");
  await log(["info", "a live line"]);
  await expect(lines(page).last()).toContainText("a live line");

  // Not following: lines logged meanwhile come in, once each, when following again.
  await follow.click();
  await expect(follow).toHaveAttribute("aria-pressed", "false");
  await log(["info", "while paused"]);
  await follow.click();
  await expect(lines(page).last()).toContainText("while paused");
  await expect(lines(page)).toHaveCount(6);

  await panel.getByLabel("Level").selectOption("warn");
  await expect(lines(page)).toHaveCount(2);
  await expect(lines(page).first()).toHaveAttribute("data-level", "warn");
  await panel.getByLabel("Level").selectOption("debug");
  await panel.getByLabel("Search").fill("SOURCE");
  await expect(lines(page)).toHaveCount(2);
  await expect(lines(page).first()).toContainText("connecting to the source");
  await panel.getByLabel("Search").fill("");
  await expect(lines(page)).toHaveCount(6);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    panel.getByTestId("log-download").click(),
  ]);
  expect(download.suggestedFilename()).toBe(`task-${task.id}-attempt-1.log`);
  const text = await readFile(await download.path(), "utf8");
  expect(text.trim().split("\n")).toHaveLength(6);
  expect(text).toMatch(/ WARN {2}slow response from the source\n/);
  expect(dialogs).toEqual([]);
});

test("shows each line one row high, and unfolds a long one to be read whole", async ({ page }) => {
  const { task, log } = await runningTask();
  const trace = [
    "Error: the source refused",
    "    at fetch (crawl.ts:12)",
    "    at run (crawl.ts:40)",
  ];
  await log(["info", "short"], ["error", trace.join("\n")]);
  await signIn(page, await createToken("viewer"), `/tasks/${task.id}`);
  await expect(lines(page)).toHaveCount(2);
  const [short, long] = [lines(page).first(), lines(page).last()];
  // A short line has nothing to unfold; a folded long one is as high as a short one.
  await expect(short.getByRole("button")).toHaveCount(0);
  const unfold = long.getByRole("button", { name: "Show the whole line" });
  await expect(unfold).toHaveAttribute("aria-expanded", "false");
  const rowHeight = async (row: typeof long) => (await row.boundingBox())?.height ?? 0;
  expect(await rowHeight(long)).toBe(await rowHeight(short));

  await unfold.click();
  const fold = long.getByRole("button", { name: "Fold the line" });
  await expect(fold).toHaveAttribute("aria-expanded", "true");
  await expect.poll(() => rowHeight(long)).toBeGreaterThan(2.5 * (await rowHeight(short)));
  await expect(long).toContainText("at run (crawl.ts:40)");
  await fold.click();
  await expect.poll(() => rowHeight(long)).toBe(await rowHeight(short));
});

for (const theme of ["light", "dark"] as const) {
  test(`the log panel has no serious accessibility violations (${theme})`, async ({ page }) => {
    test.slow();
    const { task, log } = await runningTask();
    await log(["info", "one"], ["warn", "two"], ["error", "three\nthree"], ["debug", "four"]);
    await useTheme(page, theme);
    await signIn(page, await createToken("viewer"), `/tasks/${task.id}`);
    await expect(lines(page)).toHaveCount(4);
    expect(await seriousViolations(page)).toEqual([]);
  });
}
