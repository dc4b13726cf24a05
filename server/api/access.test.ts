import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import { type Role, roles } from "@/server/auth/roles";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();

interface AccessCase {
  type: "query" | "mutation";
  input?: unknown;
  allowed: readonly Role[];
}

/**
 * Who may call what. Every procedure of the router must be listed (checked below), so a new
 * procedure cannot ship without someone deciding its roles.
 */
const accessTable: Record<string, AccessCase> = {
  "auth.me": { type: "query", allowed: roles },
  "system.info": { type: "query", allowed: roles },
  "tokens.create": {
    type: "mutation",
    input: { name: "made by test", role: "viewer" },
    allowed: ["admin"],
  },
  "tokens.list": { type: "query", allowed: ["admin"] },
  "tokens.revoke": { type: "mutation", input: { id: randomUUID() }, allowed: ["admin"] },
};

const tokenByRole = new Map<Role, string>();

beforeAll(async () => {
  for (const role of roles) {
    const { secret } = await createToken(pg.db, { name: `${role} token`, role });
    tokenByRole.set(role, secret);
  }
});

function tokenFor(role: Role): string {
  const token = tokenByRole.get(role);
  if (!token) throw new Error(`no token for ${role}`);
  return token;
}

it("lists every procedure of the router", () => {
  expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(accessTable).sort());
});

describe.each(Object.entries(accessTable))("%s", (path, access) => {
  const call = (token?: string) =>
    callProcedure(pg.db, { path, type: access.type, input: access.input, token });

  it("answers 401 without a token", async () => {
    expect((await call()).status).toBe(401);
  });

  it("answers 401 with an unknown token", async () => {
    expect((await call("tm_not-a-real-token")).status).toBe(401);
  });

  it.each(roles)("as %s", async (role) => {
    const { status, body } = await call(tokenFor(role));
    if (access.allowed.includes(role)) {
      // Allowed means past auth: the procedure may still answer e.g. 404 for a made-up id.
      expect(status, JSON.stringify(body)).not.toBe(401);
      expect(status, JSON.stringify(body)).not.toBe(403);
    } else {
      expect(status).toBe(403);
      expect(body.error?.data.code).toBe("FORBIDDEN");
    }
  });
});
