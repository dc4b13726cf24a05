import { expect, type Page, test } from "@playwright/test";
import { adminClient, createToken, signIn, unique } from "./fixtures/api";
import { seriousViolations, useTheme, watchDialogs } from "./fixtures/board";

const admin = adminClient();
const HOSTILE = "<img src=x onerror=alert(1)>";

/** A schedule's card, by its unique name. */
const scheduleCard = (page: Page, name: string) =>
  page
    .getByTestId("schedule-card")
    .filter({ has: page.getByRole("heading", { name, exact: true }) });

test("an operator creates, pauses, resumes, runs, edits and deletes a schedule", async ({
  page,
}) => {
  const dialogs = watchDialogs(page);
  const name = unique("e2e-sched");
  await signIn(page, await createToken("operator"), "/schedules");
  await page.getByRole("button", { name: "New schedule" }).click();
  const form = page.getByRole("form", { name: "New schedule" });

  // The preview follows the timing as it is typed, in the schedule's zone.
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Time zone").fill("America/New_York");
  await form.getByRole("textbox", { name: "Cron" }).fill("30 2 * * *");
  const preview = form.getByTestId("schedule-preview");
  await expect(preview).toContainText("Next fire times (America/New_York)");
  await expect(preview.getByRole("listitem")).toHaveCount(5);
  await expect(preview.getByRole("listitem").first()).toContainText("02:30:00");

  // A bad cron: the preview says so, and saving shows the server's message under the field.
  await form.getByRole("textbox", { name: "Cron" }).fill("61 * * * *");
  await expect(form.getByTestId("schedule-preview-error")).toBeVisible();
  await form.getByRole("button", { name: "Create schedule" }).click();
  await expect(form.getByTestId("schedule-cron-error")).not.toBeEmpty();
  await expect(form.getByRole("textbox", { name: "Cron" })).toHaveAttribute("aria-invalid", "true");

  await form.getByRole("textbox", { name: "Cron" }).fill("30 2 * * *");
  await form
    .getByLabel("Task spec (JSON)")
    .fill(
      JSON.stringify({ name: `${HOSTILE} report`, type: "report", payload: { note: HOSTILE } }),
    );
  await form.getByRole("button", { name: "Create schedule" }).click();
  await expect(form).toBeHidden();

  const card = scheduleCard(page, name);
  await expect(card.getByTestId("schedule-timing")).toContainText("30 2 * * * in America/New_York");
  await expect(card.getByTestId("schedule-upcoming").getByRole("listitem")).toHaveCount(5);
  // User text is text: the spec's name and payload are shown as typed, never as markup.
  await expect(card.getByTestId("schedule-spec-name")).toHaveText(`${HOSTILE} report`);
  await expect(card.locator("img")).toHaveCount(0);
  const [saved] = (await admin.listSchedules({ limit: 500 })).items.filter((s) => s.name === name);
  expect(saved).toMatchObject({ cron: "30 2 * * *", timezone: "America/New_York" });
  const id = saved?.id ?? "";

  await card.getByRole("button", { name: `Pause ${name}` }).click();
  await expect(card.getByTestId("schedule-paused")).toBeVisible();
  await expect(card.getByTestId("schedule-upcoming-none")).toHaveText("None while paused.");
  expect((await admin.getSchedule(id)).paused).toBe(true);
  await card.getByRole("button", { name: `Resume ${name}` }).click();
  await expect(card.getByTestId("schedule-paused")).toBeHidden();
  expect((await admin.getSchedule(id)).paused).toBe(false);

  // Run now: the run appears among the latest fires, linking to its task.
  await card.getByRole("button", { name: `Run ${name} now` }).click();
  const fire = card.getByTestId("schedule-fire");
  await expect(fire).toHaveCount(1);
  const [fired] = (await admin.getSchedule(id)).recentFires;
  expect(fired?.taskId).toBeTruthy();
  await expect(fire.getByRole("link")).toHaveAttribute("href", `/tasks/${fired?.taskId}`);
  await expect(fire).toContainText("Queued");

  await card.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("form", { name: `Edit schedule ${name}` });
  await expect(edit.getByRole("textbox", { name: "Cron" })).toHaveValue("30 2 * * *");
  await edit.getByRole("radio", { name: "Every N seconds" }).check();
  await edit.getByLabel("Every (seconds)").fill("3600");
  await expect(edit.getByTestId("schedule-preview").getByRole("listitem")).toHaveCount(5);
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  await expect(card.getByTestId("schedule-timing")).toContainText("every 1 h");
  expect(await admin.getSchedule(id)).toMatchObject({ cron: null, everyS: 3600 });

  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Keep it" }).click();
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Yes, delete" }).click();
  await expect(card).toBeHidden();
  await expect(admin.getSchedule(id)).rejects.toThrow(/not found/i);
  expect(dialogs).toEqual([]);
});

test("a viewer sees schedules and their runs live, with no control", async ({ page }) => {
  const name = unique("e2e-sched-viewer");
  const schedule = await admin.createSchedule({
    name,
    everyS: 86_400,
    workflow: { name: `${name} run`, tasks: [{ key: "a", name: "a" }] },
  });
  await signIn(page, await createToken("viewer"), "/schedules");
  const card = scheduleCard(page, name);
  await expect(card.getByTestId("schedule-timing")).toContainText("every 1 d");
  await expect(card).toContainText("No fire yet.");
  await expect(page.getByRole("button", { name: "New schedule" })).toHaveCount(0);
  await expect(page.getByTestId("schedules-list").getByRole("button")).toHaveCount(0);

  // A fire made elsewhere appears without a reload (schedule.fired on the event stream), and
  // so does a schedule created while the page is open (schedule.changed).
  const { workflowId } = await admin.triggerSchedule(schedule.id);
  const fire = card.getByTestId("schedule-fire");
  await expect(fire.getByRole("link")).toHaveAttribute("href", `/workflows/${workflowId}`);
  await expect(fire.getByTestId("run-state")).toHaveText(/Running/);
  const later = unique("e2e-sched-later");
  await admin.createSchedule({ name: later, cron: "0 0 1 1 *", task: { name: "yearly" } });
  await expect(scheduleCard(page, later)).toBeVisible();

  // Its run's state follows the run.
  await admin.trpc.workflows.cancel.mutate({ id: workflowId ?? "" });
  await expect(fire.getByTestId("run-state")).toHaveText(/Cancelled/);
});

for (const theme of ["light", "dark"] as const) {
  test(`the schedules page has no serious accessibility violations (${theme})`, async ({
    page,
  }) => {
    // axe walks the whole page: seconds on a busy two-core machine.
    test.slow();
    const schedule = await admin.createSchedule({
      name: unique("e2e-sched-axe"),
      cron: "*/5 * * * *",
      timezone: "Europe/Paris",
      task: { name: "axe" },
    });
    await admin.triggerSchedule(schedule.id);
    await useTheme(page, theme);
    await signIn(page, await createToken("admin"), "/schedules");
    await expect(page.getByTestId("schedule-fire").first()).toBeVisible();
    await page.getByRole("button", { name: "New schedule" }).click();
    await expect(page.getByTestId("schedule-preview").getByRole("listitem")).toHaveCount(5);
    expect(await seriousViolations(page)).toEqual([]);
  });
}
