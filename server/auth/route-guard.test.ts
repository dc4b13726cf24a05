import { describe, expect, it } from "vitest";
import { guardRoute } from "@/server/auth/route-guard";
import { signIn } from "@/server/auth/sign-in";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { TEST_ORIGIN } from "@/test/trpc-http";

const pg = setupTestDatabase();
const URL_ = `${TEST_ORIGIN}/api/scheduler`;

async function tokenFor(role: "admin" | "operator" | "viewer") {
  return (await createToken(pg.db, { name: `${role} for the route guard`, role })).secret;
}

function request(
  method: "GET" | "POST",
  credentials: { token?: string; session?: string; origin?: string } = {},
) {
  const headers = new Headers({ host: new URL(TEST_ORIGIN).host });
  if (credentials.token) headers.set("authorization", `Bearer ${credentials.token}`);
  if (credentials.session) headers.set("cookie", `tm_session=${credentials.session}`);
  if (credentials.origin) headers.set("origin", credentials.origin);
  return new Request(URL_, { method, headers });
}

async function refusal(result: Awaited<ReturnType<typeof guardRoute>>) {
  if (!(result instanceof Response)) throw new Error("expected a refusal, got a principal");
  return { status: result.status, body: (await result.json()) as { error: string } };
}

describe("guardRoute", () => {
  it("answers 401 without credentials, or with a token that is not valid", async () => {
    const none = await refusal(await guardRoute(request("GET"), ["viewer"], pg.db));
    expect(none).toEqual({ status: 401, body: { error: "a valid token or session is required" } });
    const bad = await refusal(
      await guardRoute(request("GET", { token: "tm_not_a_token" }), ["viewer"], pg.db),
    );
    expect(bad.status).toBe(401);
  });

  it("lets an allowed role through with its principal", async () => {
    const token = await tokenFor("operator");
    const result = await guardRoute(request("POST", { token }), ["operator", "admin"], pg.db);
    expect(result).toMatchObject({ principal: { role: "operator", via: "bearer" } });
  });

  it("answers 403 to a weaker role", async () => {
    const token = await tokenFor("viewer");
    const result = await refusal(
      await guardRoute(request("POST", { token }), ["operator", "admin"], pg.db),
    );
    expect(result.status).toBe(403);
    expect(result.body.error).toMatch(/role viewer/);
  });

  it("refuses a cookie-authenticated POST from another origin or with none", async () => {
    const session = (await signIn(pg.db, await tokenFor("admin"))) ?? "";
    expect(session).not.toBe("");
    const crossSite = await refusal(
      await guardRoute(
        request("POST", { session, origin: "https://evil.example" }),
        ["admin"],
        pg.db,
      ),
    );
    expect(crossSite).toEqual({ status: 403, body: { error: "cross-site request refused" } });
    const noOrigin = await refusal(
      await guardRoute(request("POST", { session }), ["admin"], pg.db),
    );
    expect(noOrigin.status).toBe(403);

    const sameSite = await guardRoute(
      request("POST", { session, origin: TEST_ORIGIN }),
      ["admin"],
      pg.db,
    );
    expect(sameSite).toMatchObject({ principal: { role: "admin", via: "session" } });
  });

  it("lets a cookie-authenticated GET through from anywhere (reads change nothing)", async () => {
    const session = (await signIn(pg.db, await tokenFor("viewer"))) ?? "";
    const result = await guardRoute(
      request("GET", { session, origin: "https://elsewhere.example" }),
      ["viewer"],
      pg.db,
    );
    expect(result).toMatchObject({ principal: { role: "viewer", via: "session" } });
  });

  it("needs no Origin for a bearer-authenticated POST (programs are not browsers)", async () => {
    const token = await tokenFor("admin");
    const result = await guardRoute(request("POST", { token }), ["admin"], pg.db);
    expect(result).toMatchObject({ principal: { role: "admin", via: "bearer" } });
  });
});
