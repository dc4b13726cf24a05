import { expect, type Request, test } from "@playwright/test";
import { createAgentWorker } from "@/sdk";
import { deferred } from "@/test/deferred";
import { adminClient, createToken, E2E_BASE_URL, signIn, unique } from "./fixtures/api";
import { card, column, seriousViolations, useTheme, watchDialogs } from "./fixtures/board";

const admin = adminClient();

/** Tasks no agent can claim (a capability nobody has): they stay queued until acted on. */
async function submitStuck(type: string, names: string[]) {
  return Promise.all(
    names.map(
      async (name) =>
        (await admin.trpc.tasks.submit.mutate({ name, type, capabilities: [`nobody-${type}`] }))
          .task,
    ),
  );
}

test("an agent completes a task and its card moves to Succeeded without a reload", async ({
  page,
}) => {
  const type = unique("e2e-move");
  const name = unique("move me");
  await signIn(page, await createToken("operator"), `/?type=${type}`);
  const { task } = await admin.trpc.tasks.submit.mutate({ name, type, capabilities: [type] });
  await expect(card(page, "queued", name)).toBeVisible();
  await expect(column(page, "queued").getByTestId("column-count")).toHaveText(/^1/);

  const worker = createAgentWorker({
    url: E2E_BASE_URL,
    token: await createToken("agent"),
    name: unique("e2e-agent"),
    capabilities: [type],
    waitMs: 2_000,
    handlers: {
      [type]: async (_task, ctx) => {
        await ctx.progress({ fraction: 0.5, step: "halfway" });
        return { ok: true };
      },
    },
  });
  const completed = new Promise<void>((resolve) =>
    worker.events.on("completed", ({ task: done }) => {
      if (done.id === task.id) resolve();
    }),
  );
  await worker.start();
  try {
    await completed;
    await expect(card(page, "succeeded", name)).toBeVisible({ timeout: 2_000 });
    await expect(card(page, "queued", name)).toHaveCount(0);
    await expect(column(page, "succeeded").getByTestId("column-count")).toHaveText(/^1/);
    // The card names the agent that ran it.
    await expect(card(page, "succeeded", name)).toContainText(/e2e-agent/);
  } finally {
    await worker.stop({ graceMs: 0 });
  }
});

test("a task submitted while the board is refreshing keeps its card when the older answer lands", async ({
  page,
}) => {
  const type = unique("e2e-race");
  const name = unique("raced");
  // The board refreshes its lists once on mount. Its answer is read on the server now, before
  // the task exists, and reaches the page only after the task's event has placed the card.
  const answerRead = deferred();
  const delivery = deferred();
  let heldRequest: Request | undefined;
  await page.route(
    (url) => url.pathname.startsWith("/api/trpc/") && url.pathname.includes("tasks.list"),
    async (route) => {
      heldRequest = route.request();
      const response = await route.fetch();
      answerRead.resolve();
      await delivery.promise;
      await route.fulfill({ response });
    },
    { times: 1 },
  );
  await signIn(page, await createToken("operator"), `/?type=${type}`);
  await answerRead.promise;
  await admin.trpc.tasks.submit.mutate({ name, type, capabilities: [`nobody-${type}`] });
  await expect(card(page, "queued", name)).toBeVisible();

  const landed = page.waitForEvent("requestfinished", (request) => request === heldRequest);
  delivery.resolve();
  await landed;
  // Two frames: the answer is parsed, cached and rendered by then.
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  await expect(card(page, "queued", name)).toBeVisible();
  await expect(column(page, "queued").getByTestId("column-count")).toHaveText(/^1/);
});

test("new tasks appear live, and filters live in the URL", async ({ page }) => {
  const type = unique("e2e-filter");
  const [first] = await submitStuck(type, [unique("alpha")]);
  await signIn(page, await createToken("viewer"), "/");
  await page.getByLabel("Type").fill(type);
  await expect(page).toHaveURL(new RegExp(`type=${type}`));
  await expect(card(page, "queued", first?.name ?? "")).toBeVisible();

  const [second] = await submitStuck(type, [unique("beta")]);
  await expect(card(page, "queued", second?.name ?? "")).toBeVisible({ timeout: 2_000 });

  await page.getByLabel("Name contains").fill("beta");
  await expect(page).toHaveURL(/q=beta/);
  await expect(card(page, "queued", first?.name ?? "")).toHaveCount(0);
  await expect(card(page, "queued", second?.name ?? "")).toBeVisible();
  await page.goBack();
  await expect(page.getByLabel("Name contains")).toHaveValue("");
  await expect(card(page, "queued", first?.name ?? "")).toBeVisible();
});

test("a viewer sees no controls, and a forged mutation from the session is refused", async ({
  page,
}) => {
  const type = unique("e2e-viewer");
  const [task] = await submitStuck(type, [unique("look only")]);
  if (!task) throw new Error("no task");
  await signIn(page, await createToken("viewer"), `/?type=${type}`);
  await expect(card(page, "queued", task.name)).toBeVisible();
  await expect(page.getByTestId("task-actions")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /cancel|retry|set priority/i })).toHaveCount(0);
  await expect(page.getByText("Submit work")).toHaveCount(0);

  await page.goto(`/tasks/${task.id}`);
  await expect(page.getByTestId("task-name")).toHaveText(task.name);
  await expect(page.getByTestId("task-actions")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /cancel|retry|set priority/i })).toHaveCount(0);

  const forged = await page.request.post("/api/trpc/tasks.cancel", {
    data: { id: task.id },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(forged.status()).toBe(403);
  expect((await admin.trpc.tasks.get.query({ id: task.id })).state).toBe("queued");
});

test("a task name full of markup renders as text on the board and the task page", async ({
  page,
}) => {
  const dialogs = watchDialogs(page);
  const type = unique("e2e-xss");
  const name = `<img src=x onerror=alert(1)> ${unique("x")}`;
  const [task] = await submitStuck(type, [name]);
  if (!task) throw new Error("no task");
  await signIn(page, await createToken("operator"), `/?type=${type}`);
  await expect(card(page, "queued", name)).toBeVisible();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);

  await card(page, "queued", name).getByRole("link", { name }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${task.id}$`));
  await expect(page.getByTestId("task-name")).toHaveText(name);
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});

test("the submit form shows a server validation error by its field; a YAML workflow is submitted", async ({
  page,
}) => {
  const type = unique("e2e-submit");
  await signIn(page, await createToken("operator"), `/?type=${type}`);
  await page.getByText("Submit work").click();
  const form = page.getByRole("form", { name: "Submit a task" });
  await form.getByLabel("Name").fill(unique("too eager"));
  await form.getByLabel("Priority").fill("5000000");
  await form.getByRole("button", { name: "Submit task" }).click();
  await expect(page.getByTestId("task-priority-error")).toContainText(/1000000|1,000,000/);
  await expect(form.getByLabel("Priority")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("A workflow (JSON or YAML)").check();
  const workflow = page.getByRole("form", { name: "Submit a workflow" });
  const textarea = workflow.getByLabel("Workflow (JSON or YAML)");
  await textarea.fill("name: broken\ntasks:\n  - key: a\n   name: [oops\n");
  await workflow.getByRole("button", { name: "Submit workflow" }).click();
  await expect(page.getByTestId("workflow-document-error")).toContainText(/Line \d+, column \d+/);

  const fetch = unique("fetch");
  const summarise = unique("summarise");
  await textarea.fill(
    [
      `name: ${unique("e2e workflow")}`,
      "tasks:",
      "  - key: fetch",
      `    name: ${fetch}`,
      `    type: ${type}`,
      `    capabilities: [nobody-${type}]`,
      "  - key: summarise",
      `    name: ${summarise}`,
      `    type: ${type}`,
      "    dependsOn: [fetch]",
    ].join("\n"),
  );
  await workflow.getByRole("button", { name: "Submit workflow" }).click();
  await expect(workflow.getByRole("status")).toContainText("2 tasks");
  await expect(card(page, "queued", fetch)).toBeVisible({ timeout: 2_000 });
  await expect(card(page, "blocked", summarise)).toBeVisible({ timeout: 2_000 });
});

test("an operator cancels, retries and reprioritises from the cards", async ({ page }) => {
  const type = unique("e2e-operate");
  const [toCancel, toRetry, toPrioritise] = await submitStuck(type, [
    unique("cancel me"),
    unique("retry me"),
    unique("prioritise me"),
  ]);
  if (!toCancel || !toRetry || !toPrioritise) throw new Error("no tasks");
  await admin.trpc.tasks.cancel.mutate({ id: toRetry.id, reason: "to be retried" });
  await signIn(page, await createToken("operator"), `/?type=${type}`);

  await card(page, "queued", toCancel.name)
    .getByRole("button", { name: /^Cancel/ })
    .click();
  await expect(card(page, "cancelled", toCancel.name)).toBeVisible({ timeout: 2_000 });

  await card(page, "cancelled", toRetry.name)
    .getByRole("button", { name: /^Retry/ })
    .click();
  await expect(card(page, "queued", toRetry.name)).toBeVisible({ timeout: 2_000 });

  const prioritise = card(page, "queued", toPrioritise.name);
  await prioritise.getByLabel(`Priority of ${toPrioritise.name}`, { exact: true }).fill("42");
  await prioritise.getByRole("button", { name: /^Set priority/ }).click();
  await expect(prioritise.getByTestId("card-priority")).toHaveText("42", { timeout: 2_000 });
  expect((await admin.trpc.tasks.get.query({ id: toPrioritise.id })).priority).toBe(42);

  // A refusal is shown as the server words it.
  await prioritise.getByLabel(`Priority of ${toPrioritise.name}`, { exact: true }).fill("5000000");
  await prioritise.getByRole("button", { name: /^Set priority/ }).click();
  await expect(prioritise.getByRole("alert")).toContainText("priority");
});

for (const theme of ["light", "dark"] as const) {
  test(`the board has no serious accessibility violations (${theme})`, async ({ page }) => {
    // axe walks the whole page: seconds on a busy two-core machine.
    test.slow();
    const type = unique("e2e-axe");
    await submitStuck(type, [unique("accessible")]);
    await useTheme(page, theme);
    await signIn(page, await createToken("admin"), "/");
    await expect(page.locator("[data-testid^=column-][data-ready=true]")).toHaveCount(7);
    await page.getByText("Submit work").click();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("an operator selects cards and cancels, retries and reprioritises them in bulk", async ({
  page,
}) => {
  const type = unique("e2e-bulk");
  const names = [unique("bulk a"), unique("bulk b"), unique("bulk c")];
  const tasks = await submitStuck(type, names);
  const [a, b, c] = tasks;
  if (!a || !b || !c) throw new Error("no tasks");
  await signIn(page, await createToken("operator"), `/?type=${type}`);
  const select = (state: string, name: string) =>
    card(page, state, name).getByRole("checkbox", { name: `Select ${name}` });
  const bar = page.getByTestId("bulk-bar");

  // Priority of two.
  await select("queued", a.name).check();
  await select("queued", b.name).check();
  await expect(bar.getByTestId("bulk-count")).toHaveText("2 selected");
  expect(await seriousViolations(page)).toEqual([]);
  await bar.getByLabel("Priority").fill("7");
  await bar.getByRole("button", { name: "Set priority" }).click();
  await expect(bar.getByTestId("bulk-report")).toContainText("Reprioritised 2 of 2");
  await expect(card(page, "queued", a.name).getByTestId("card-priority")).toHaveText("7");
  await expect(card(page, "queued", b.name).getByTestId("card-priority")).toHaveText("7");
  expect((await admin.trpc.tasks.get.query({ id: c.id })).priority).toBe(0);

  // Cancel all three; then retry them, with one refused (it was retried meanwhile).
  for (const name of names) await select("queued", name).check();
  await bar.getByRole("button", { name: "Cancel selected" }).click();
  await expect(bar.getByTestId("bulk-report")).toContainText("Cancelled 3 of 3");
  for (const name of names) await expect(card(page, "cancelled", name)).toBeVisible();
  for (const name of names) await select("cancelled", name).check();
  await admin.trpc.tasks.retry.mutate({ id: c.id });
  await bar.getByRole("button", { name: "Retry selected" }).click();
  await expect(bar.getByTestId("bulk-report")).toContainText("Retried 2 of 3");
  await expect(bar.getByTestId("bulk-report").getByRole("listitem")).toContainText(c.name);
  await expect(card(page, "queued", a.name)).toBeVisible();
  await expect(card(page, "queued", b.name)).toBeVisible();
  // The refused task stays selected for another try.
  await expect(bar.getByTestId("bulk-count")).toHaveText("1 selected");
  for (const task of [a, b, c])
    expect((await admin.trpc.tasks.get.query({ id: task.id })).state).toBe("queued");
});

test("a viewer gets no checkboxes; a card links to its run", async ({ page }) => {
  const capability = unique("nobody");
  const name = unique("in a run");
  const run = await admin.submitWorkflow({
    name: unique("e2e card run"),
    tasks: [{ key: "only", name, type: capability, capabilities: [capability] }],
  });
  await signIn(page, await createToken("viewer"), `/?type=${capability}`);
  await expect(card(page, "queued", name)).toBeVisible();
  await expect(page.getByTestId("card-select")).toHaveCount(0);
  await expect(page.getByTestId("bulk-bar")).toHaveCount(0);
  await expect(card(page, "queued", name).getByTestId("card-run-link")).toHaveAttribute(
    "href",
    `/workflows/${run.workflow.id}`,
  );
});
