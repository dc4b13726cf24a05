import { describe, expect, it } from "vitest";
import { ensureBootstrapAdmin } from "@/server/auth/bootstrap";
import { signIn } from "@/server/auth/sign-in";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure, TEST_ORIGIN } from "@/test/trpc-http";

const pg = setupTestDatabase();

async function newToken(role: "admin" | "viewer" | "agent", name = `${role} token`) {
  return (await createToken(pg.db, { name, role })).secret;
}

describe("tokens over tRPC", () => {
  it("an admin creates a token that works, lists it without its secret, and revokes it", async () => {
    const admin = await newToken("admin");
    const created = await callProcedure<{ secret: string; token: { id: string } }>(pg.db, {
      path: "tokens.create",
      type: "mutation",
      input: { name: "wall screen", role: "viewer" },
      token: admin,
    });
    expect(created.status).toBe(200);
    const { secret, token } = created.data;

    const me = await callProcedure(pg.db, { path: "auth.me", type: "query", token: secret });
    expect(me.data).toMatchObject({ role: "viewer", tokenName: "wall screen" });

    const list = await callProcedure(pg.db, { path: "tokens.list", type: "query", token: admin });
    const listed = JSON.stringify(list.data);
    expect(listed).toContain(token.id);
    expect(listed).not.toContain(secret);
    expect(listed).not.toMatch(/hash/i);

    const revoked = await callProcedure(pg.db, {
      path: "tokens.revoke",
      type: "mutation",
      input: { id: token.id },
      token: admin,
    });
    expect(revoked.status).toBe(200);
    // The very next call with the revoked token fails: there is no cache to wait out.
    const after = await callProcedure(pg.db, { path: "auth.me", type: "query", token: secret });
    expect(after.status).toBe(401);
  });

  it("rejects a bad role naming the field", async () => {
    const admin = await newToken("admin");
    const { status, body } = await callProcedure(pg.db, {
      path: "tokens.create",
      type: "mutation",
      input: { name: "x", role: "superuser" },
      token: admin,
    });
    expect(status).toBe(400);
    const data = body.error?.data as unknown as {
      zodError: { fieldErrors: Record<string, string[]> };
    };
    expect(Object.keys(data.zodError.fieldErrors)).toEqual(["role"]);
  });

  it("an expired token does not authenticate", async () => {
    const { secret } = await createToken(pg.db, {
      name: "expired",
      role: "viewer",
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(
      (await callProcedure(pg.db, { path: "auth.me", type: "query", token: secret })).status,
    ).toBe(401);
  });
});

describe("browser sessions", () => {
  it("a session acts with its token's role, and dies when the token is revoked", async () => {
    const admin = await newToken("admin");
    const session = await signIn(pg.db, admin);
    expect(session).toBeTruthy();
    const me = await callProcedure<{ tokenId: string }>(pg.db, {
      path: "auth.me",
      type: "query",
      session: session ?? "",
    });
    expect(me.data).toMatchObject({ role: "admin" });

    const { tokenId } = me.data;
    await callProcedure(pg.db, {
      path: "tokens.revoke",
      type: "mutation",
      input: { id: tokenId },
      session: session ?? "",
      origin: TEST_ORIGIN,
    });
    const after = await callProcedure(pg.db, {
      path: "auth.me",
      type: "query",
      session: session ?? "",
    });
    expect(after.status).toBe(401);
  });

  it("refuses a cookie-authenticated mutation from another origin or with no origin", async () => {
    const session = (await signIn(pg.db, await newToken("admin"))) ?? "";
    const mutation = {
      path: "tokens.create",
      type: "mutation" as const,
      input: { name: "csrf", role: "admin" },
      session,
    };

    const crossSite = await callProcedure(pg.db, { ...mutation, origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error?.message).toMatch(/cross-site/);
    const noOrigin = await callProcedure(pg.db, mutation);
    expect(noOrigin.status).toBe(403);

    const sameSite = await callProcedure(pg.db, { ...mutation, origin: TEST_ORIGIN });
    expect(sameSite.status).toBe(200);
  });

  it("a bearer-authenticated mutation needs no Origin (programs are not browsers)", async () => {
    const admin = await newToken("admin");
    const { status } = await callProcedure(pg.db, {
      path: "tokens.create",
      type: "mutation",
      input: { name: "from a script", role: "agent" },
      token: admin,
    });
    expect(status).toBe(200);
  });

  it("signing in with an invalid token creates no session", async () => {
    expect(await signIn(pg.db, "tm_wrong")).toBeNull();
  });
});

describe("first-start admin", () => {
  it("is created once, with the given secret, and never again once any token exists", async () => {
    // This file's database already has tokens from the tests above, unless run alone; clear it.
    await pg.sql`delete from api_tokens`;
    const secret = "tm_bootstrap_secret_for_tests_0123456789";
    const [first, second] = await Promise.all([
      ensureBootstrapAdmin(pg.db, { token: secret }),
      ensureBootstrapAdmin(pg.db, { token: secret }),
    ]);
    expect([first, second].filter(Boolean)).toEqual([{ token: secret }]);
    const me = await callProcedure(pg.db, { path: "auth.me", type: "query", token: secret });
    expect(me.data).toMatchObject({ role: "admin" });
    expect(await ensureBootstrapAdmin(pg.db)).toBeNull();
  });

  it("refuses a short bootstrap secret", async () => {
    await expect(ensureBootstrapAdmin(pg.db, { token: "short" })).rejects.toThrow(/32 characters/);
  });
});
