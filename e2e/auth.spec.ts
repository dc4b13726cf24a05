import { expect, test } from "@playwright/test";
import { E2E_ADMIN_TOKEN } from "./fixtures/admin-token";

test.describe("signed out", () => {
  test("every page sends the browser to sign-in", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in\?next=%2F$/);
    await expect(page.getByRole("heading", { name: "Sign in to Task Manager" })).toBeVisible();
  });

  test("the API answers 401 without a token", async ({ request }) => {
    const response = await request.get("/api/trpc/auth.me");
    expect(response.status()).toBe(401);
  });

  test("health answers without a token, telling only whether the database is reachable", async ({
    request,
  }) => {
    const response = await request.get("/api/health");
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: { reachable: true } });

    const signedIn = await request.get("/api/health", {
      headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` },
    });
    expect(await signedIn.json()).toMatchObject({
      status: "ok",
      database: { reachable: true, version: expect.stringMatching(/^\d+/) },
    });
  });
});

test.describe("signing in", () => {
  test("with the form: a wrong token is explained, the right one signs in", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("API token").fill("tm_wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("sign-in-error")).toContainText("not valid");

    await page.getByLabel("API token").fill(E2E_ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as admin");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("with the one-click link printed at first start", async ({ page }) => {
    await page.goto(`/api/auth/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as admin");
  });

  test("with ?token= on any page, which then leaves the address bar", async ({ page }) => {
    await page.goto(`/?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
    await expect(page.getByTestId("signed-in-role")).toBeVisible();
    expect(page.url()).not.toContain("token");
  });
});

test("a cross-site POST carrying the session cookie is refused", async ({ page }) => {
  await page.goto(`/api/auth/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
  await expect(page.getByTestId("signed-in-role")).toBeVisible();
  const mutation = { data: { name: "csrf", role: "admin" } };

  // page.request shares the browser's cookies.
  const crossSite = await page.request.post("/api/trpc/tokens.create", {
    ...mutation,
    headers: { origin: "https://evil.example" },
  });
  expect(crossSite.status()).toBe(403);

  const sameSite = await page.request.post("/api/trpc/tokens.create", {
    ...mutation,
    headers: { origin: new URL(page.url()).origin },
  });
  expect(sameSite.status()).toBe(200);
});
