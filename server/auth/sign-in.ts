import { NextResponse } from "next/server";
import type { Database } from "@/db/client";
import { createSession, SESSION_COOKIE, SESSION_TTL_S } from "./sessions";
import { authenticateToken } from "./tokens";

/** Exchanges an API token for a session secret, or null when the token is not valid. */
export async function signIn(db: Database, token: string): Promise<string | null> {
  const principal = await authenticateToken(db, token.trim());
  return principal ? createSession(db, principal.tokenId) : null;
}

/** The session cookie: httpOnly (no script reads it), SameSite=Lax (no cross-site POSTs carry it). */
export function sessionCookie(value: string, secure: boolean) {
  return {
    name: SESSION_COOKIE,
    value,
    httpOnly: true,
    sameSite: "lax" as const,
    secure,
    path: "/",
    maxAge: value ? SESSION_TTL_S : 0,
  };
}

/**
 * A 303 to a path on this server. The Location stays relative: behind Next, `req.url` names
 * `localhost` whatever host the browser used, and a redirect there would lose the cookie.
 * 303 makes the browser follow with a GET, so a reload doesn't resubmit the token.
 */
export function seeOther(path: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location: path } });
}
