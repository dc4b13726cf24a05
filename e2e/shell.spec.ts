import { expect, test } from "@playwright/test";
import { E2E_ADMIN_TOKEN } from "./fixtures/admin-token";
import { signIn } from "./fixtures/api";

test("the shell shows the pages, a live connection, and switches theme", async ({ page }) => {
  await signIn(page, E2E_ADMIN_TOKEN, "/");
  const nav = page.getByRole("navigation", { name: "Main" });
  // Exactly these, in order: the graph is reached from a run's page, not the header.
  await expect(nav.getByRole("link")).toHaveText([
    "Overview",
    "Board",
    "Workflows",
    "Schedules",
    "Resources",
    // With a count of the tasks waiting for approval, when there are any.
    /^Approvals/,
    "Alerts",
    "Agents",
  ]);
  await expect(nav.getByRole("link", { name: "Board" })).toHaveAttribute("aria-current", "page");

  // The shared event stream opened (SSE with the session cookie).
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("connection-status")).toContainText("Live");

  const html = page.locator("html");
  const wasDark = (await html.getAttribute("class"))?.includes("dark") ?? false;
  await page.getByRole("button", { name: /Switch to (light|dark) theme/ }).click();
  await expect(html).toHaveClass(wasDark ? /^(?!.*\bdark\b)/ : /\bdark\b/);

  // The choice survives a reload (applied before paint from localStorage).
  await page.reload();
  await expect(html).toHaveClass(wasDark ? /^(?!.*\bdark\b)/ : /\bdark\b/);
});
