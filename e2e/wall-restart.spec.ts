import { expect, test } from "@playwright/test";
import { createTrpc } from "@/sdk";
import { type Launcher, waitForHealthy } from "./fixtures/launcher";
import { ownLaunchers } from "./fixtures/own-launcher";
import { signInThroughApi } from "./fixtures/sign-in";
import { openPoolAlert, submitSmallWorkflow, waitForLiveWall } from "./fixtures/wall";

/** Test-only secret for this launcher's first start (127.0.0.1, data wiped every run). */
const ADMIN_TOKEN = "tm_admin_e2e_wall_restart_abcdefghijklmnopqrstu";

// A launcher of its own (the shared web server cannot be restarted), on its own port and data.
const own = ownLaunchers("e2e-wall-restart", 2);
const { baseURL } = own;

async function launch(): Promise<Launcher> {
  const launcher = own.launch(ADMIN_TOKEN);
  await waitForHealthy(launcher, baseURL);
  return launcher;
}

test("the wall rides out a server restart: stale banner, then the missed events, no reload", async ({
  page,
}) => {
  test.setTimeout(600_000);
  const first = await launch();
  const admin = createTrpc({ url: baseURL, token: ADMIN_TOKEN });
  const viewer = await admin.tokens.create.mutate({ name: "wall restart", role: "viewer" });

  await signInThroughApi(page, baseURL, viewer.secret);
  await page.goto(`${baseURL}/wall?layout=grid`);
  await waitForLiveWall(page);
  // A mark a reload would wipe.
  await page.evaluate(() => {
    (window as unknown as { wallMark: string }).wallMark = "same page";
  });
  // One event through the stream first, so the wall has a position to resume from.
  const before = await submitSmallWorkflow(baseURL, ADMIN_TOKEN);
  await expect(page.locator(`[data-workflow-id="${before.id}"]`)).toBeVisible({ timeout: 15_000 });

  first.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  const banner = page.getByTestId("wall-stale-banner");
  await expect(banner).toContainText(/data is \d+ s old/, { timeout: 30_000 });
  await expect(page.getByTestId("wall")).toHaveAttribute("data-status", "reconnecting");

  // Cut the browser off from the stream until the events it must catch up on exist.
  const streamUrl = `${baseURL}/api/trpc/events.stream**`;
  await page.route(streamUrl, (route) => route.abort("connectionrefused"));
  await launch();
  const after = await submitSmallWorkflow(baseURL, ADMIN_TOKEN);
  const pool = await openPoolAlert(baseURL, ADMIN_TOKEN);
  // The banner keeps counting while the stream is still cut off.
  await expect(banner).toBeVisible();

  const resumed = page.waitForRequest(
    (request) =>
      request.url().startsWith(`${baseURL}/api/trpc/events.stream`) &&
      (request.headers()["last-event-id"] !== undefined ||
        decodeURIComponent(request.url()).includes('"lastEventId"')),
    { timeout: 60_000 },
  );
  await page.unroute(streamUrl);
  await resumed;

  await expect(page.getByTestId("wall")).toHaveAttribute("data-status", "live", {
    timeout: 60_000,
  });
  await expect(banner).toHaveCount(0);
  await expect(page.locator(`[data-workflow-id="${after.id}"]`)).toBeVisible();
  await expect(page.getByTestId("wall-alert").filter({ hasText: `pool ${pool} ` })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { wallMark?: string }).wallMark)).toBe(
    "same page",
  );
});
