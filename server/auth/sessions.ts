import { and, eq, gt, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { apiTokens, sessions } from "@/db/schema/auth";
import type { Principal } from "./roles";
import { generateSecret, hashSecret } from "./secrets";
import { tokenIsLive } from "./tokens";

/** The browser session cookie. Its value is a session secret, never the API token. */
export const SESSION_COOKIE = "tm_session";

/** A wall screen signs in once and runs for weeks, so sessions are long-lived. */
export const SESSION_TTL_S = 30 * 24 * 3600;

/** Starts a session acting for the token; returns the secret to put in the cookie. */
export async function createSession(db: Database, tokenId: string): Promise<string> {
  const secret = generateSecret("tms");
  await db.insert(sessions).values({
    sessionHash: hashSecret(secret),
    tokenId,
    expiresAt: sql`now() + make_interval(secs => ${SESSION_TTL_S})`,
  });
  return secret;
}

/** Resolves a session cookie to its principal; dead with its token (revoked or expired). */
export async function authenticateSession(db: Database, secret: string): Promise<Principal | null> {
  const [row] = await db
    .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role })
    .from(sessions)
    .innerJoin(apiTokens, eq(apiTokens.id, sessions.tokenId))
    .where(
      and(
        eq(sessions.sessionHash, hashSecret(secret)),
        gt(sessions.expiresAt, sql`now()`),
        tokenIsLive,
      ),
    );
  if (!row) return null;
  return { tokenId: row.id, tokenName: row.name, role: row.role, via: "session" };
}

export async function deleteSession(db: Database, secret: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.sessionHash, hashSecret(secret)));
}
