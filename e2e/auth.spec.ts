import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN_TOKEN } from "./fixtures/admin-token";
import { createToken, E2E_BASE_URL, signIn } from "./fixtures/api";

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

  test("with the link printed at first start: it names the token, and signs in on the click", async ({
    page,
  }) => {
    await page.goto(`/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
    await expect(page.getByTestId("sign-in-offer")).toContainText("bootstrap admin");
    await expect(page.getByTestId("sign-in-offer")).toContainText("role admin");
    // The form holds the token now; the address bar no longer does.
    await expect(page).not.toHaveURL(/token=/);
    expect(await page.context().cookies()).toEqual([]);

    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as admin");
  });

  test("the older one-click link (a GET to the API) shows the same confirmation", async ({
    page,
  }) => {
    const response = await page.goto(
      `/api/auth/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`,
    );
    expect(response?.headers()["referrer-policy"]).toBe("same-origin");
    await expect(page).toHaveURL(/\/sign-in\?next=%2F$/);
    await expect(page.getByTestId("sign-in-offer")).toContainText("role admin");
    expect(await page.context().cookies()).toEqual([]);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as admin");
  });

  test("with ?token= on any page: confirmed, then back on that page without the token", async ({
    page,
  }) => {
    await page.goto(`/alerts?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
    await expect(page.getByTestId("sign-in-offer")).toBeVisible();
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/alerts$/);
    await expect(page.getByTestId("signed-in-role")).toBeVisible();
    expect(page.url()).not.toContain("token");
  });

  test("the confirmation page keeps its address to itself and out of frames", async ({
    request,
  }) => {
    const response = await request.get(`/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
    expect(response.status()).toBe(200);
    expect(response.headers()).toMatchObject({
      "referrer-policy": "same-origin",
      "x-frame-options": "DENY",
      "content-security-policy": "frame-ancestors 'none'",
    });
    expect(await response.text()).not.toMatch(/<form[^>]*method="get"/i);
  });
});

test.describe("a page on another site", () => {
  const EVIL = "http://evil.example";

  /** Serves `html` as evil.example's page, in this browser. */
  async function evilPage(page: Page, html: string) {
    await page.route(`${EVIL}/**`, (route) =>
      route.fulfill({ contentType: "text/html", body: `<!doctype html><body>${html}</body>` }),
    );
    await page.goto(`${EVIL}/`);
  }

  test("cannot sign a browser into its token, nor replace the session it has", async ({ page }) => {
    const victim = await createToken("viewer", "victim");
    const attacker = await createToken("admin", "attacker");
    await signIn(page, victim);
    await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as viewer");
    const sessionBefore = (await page.context().cookies()).find((c) => c.name === "tm_session");

    const attempts = [
      // An auto-submitted GET form to the sign-in route.
      `<form method="get" action="${E2E_BASE_URL}/api/auth/sign-in">
         <input name="token" value="${attacker}"><input name="next" value="/">
       </form><script>document.forms[0].submit()</script>`,
      // A plain navigation to a page of ours with ?token=.
      `<script>location = ${JSON.stringify(`${E2E_BASE_URL}/?token=${attacker}`)}</script>`,
    ];
    for (const html of attempts) {
      await evilPage(page, html);
      // What the visitor sees: whose token this is, and who they are now; nothing submitted.
      await expect(page.getByTestId("sign-in-offer")).toContainText("role admin");
      await expect(page.getByTestId("sign-in-current")).toContainText("role viewer");
      const sessionNow = (await page.context().cookies()).find((c) => c.name === "tm_session");
      expect(sessionNow?.value).toBe(sessionBefore?.value);
    }

    // An auto-submitted POST form is refused outright (its Origin is evil.example).
    await evilPage(
      page,
      `<form method="post" action="${E2E_BASE_URL}/api/auth/sign-in">
         <input name="token" value="${attacker}"><input name="next" value="/">
       </form><script>document.forms[0].submit()</script>`,
    );
    await expect(page.locator("body")).toContainText("cross-site request refused");

    await page.goto("/");
    await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as viewer");
    const sessionAfter = (await page.context().cookies()).find((c) => c.name === "tm_session");
    expect(sessionAfter?.value).toBe(sessionBefore?.value);
  });
});

test.describe("where sign-in lands", () => {
  for (const next of [
    "/%09/evil.example:4210/",
    "//evil.example/",
    "/%5Cevil.example",
    "https://evil.example/",
  ]) {
    test(`next=${next} lands on our own /`, async ({ page }) => {
      await page.goto(`/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}&next=${next}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByTestId("signed-in-role")).toBeVisible();
      expect(page.url()).toBe(`${E2E_BASE_URL}/`);
    });
  }

  test("the form with next=//evil.example lands on our own /", async ({ page }) => {
    await page.goto("/sign-in?next=//evil.example/");
    await page.getByLabel("API token").fill(E2E_ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-role")).toBeVisible();
    expect(page.url()).toBe(`${E2E_BASE_URL}/`);
  });

  test("a CR or LF in next is refused with a 4xx, and nobody is signed in", async ({ page }) => {
    const response = await page.request.post("/api/auth/sign-in", {
      form: { token: E2E_ADMIN_TOKEN, next: "/\r\nSet-Cookie: evil=1" },
      headers: { origin: E2E_BASE_URL },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(400);
    expect(response.headers()["set-cookie"]).toBeUndefined();
    expect(await page.context().cookies()).toEqual([]);
  });
});

test.describe("a newcomer's first page", () => {
  test("/favicon.ico answers with an icon", async ({ request }) => {
    const response = await request.get("/favicon.ico");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/^image\//);
  });

  test("logs no console error, nor does the sign-in link's page", async ({ page }) => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Sign in to Task Manager" })).toBeVisible();
    await page.goto(`/sign-in?token=${encodeURIComponent(E2E_ADMIN_TOKEN)}`);
    await expect(page.getByTestId("sign-in-offer")).toBeVisible();
    // Headless Chromium does not fetch icons on its own: fetch what a browser would (the
    // declared icons and /favicon.ico), from the page, where a 404 is a console error.
    await page.evaluate(async () => {
      const declared = [...document.querySelectorAll<HTMLLinkElement>("link[rel~='icon']")];
      await Promise.all(
        [...declared.map((link) => link.href), "/favicon.ico"].map((href) => fetch(href)),
      );
    });
    expect(errors).toEqual([]);
  });
});

test("a cross-site POST carrying the session cookie is refused", async ({ page }) => {
  await signIn(page, E2E_ADMIN_TOKEN);
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
