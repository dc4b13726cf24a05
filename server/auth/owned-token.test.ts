import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens } from "@/db/schema/auth";
import { setupTestDatabase } from "@/test/db";
import { ensureOwnedToken } from "./owned-token";
import { authenticateToken, revokeToken } from "./tokens";

const pg = setupTestDatabase();

async function liveNamed(name: string) {
  return pg.db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)));
}

describe("a token a local program owns (the launcher's demo)", () => {
  it("is made once and reused while the kept secret is live", async () => {
    const first = await ensureOwnedToken(pg.db, {
      name: "owned-a",
      role: "admin",
      kept: undefined,
    });
    expect(await authenticateToken(pg.db, first.secret)).toMatchObject({ role: "admin" });
    const again = await ensureOwnedToken(pg.db, { name: "owned-a", role: "admin", kept: first });
    expect(again).toEqual(first);
    expect(await liveNamed("owned-a")).toHaveLength(1);
  });

  it("replaces a lost, wrong or revoked secret, leaving one live token of the name", async () => {
    const first = await ensureOwnedToken(pg.db, {
      name: "owned-b",
      role: "admin",
      kept: undefined,
    });
    // Lost: nothing kept. The old token must not stay live beside the new one.
    const second = await ensureOwnedToken(pg.db, {
      name: "owned-b",
      role: "admin",
      kept: undefined,
    });
    expect(second.id).not.toBe(first.id);
    expect(await authenticateToken(pg.db, first.secret)).toBeNull();

    // A kept id with another secret (a tampered file) proves nothing.
    const forged = { id: second.id, secret: `${second.secret}x` };
    const third = await ensureOwnedToken(pg.db, { name: "owned-b", role: "admin", kept: forged });
    expect(third.id).not.toBe(second.id);

    await revokeToken(pg.db, third.id);
    const fourth = await ensureOwnedToken(pg.db, { name: "owned-b", role: "admin", kept: third });
    expect(fourth.id).not.toBe(third.id);
    expect(await liveNamed("owned-b")).toEqual([{ id: fourth.id }]);
  });
});
