import type { Database } from "@/db/client";
import type { Principal } from "./roles";
import { authenticateSession, SESSION_COOKIE } from "./sessions";
import { authenticateToken } from "./tokens";

/** Reads one cookie from a Cookie header without a parsing dependency. */
export function readCookie(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/**
 * Who sent this request. A bearer token wins over a cookie, and an invalid bearer token is not
 * rescued by a valid cookie: a program that sends a bad token should hear 401, not act as
 * whoever is signed in in the same browser.
 */
export async function authenticateRequest(
  db: Database,
  headers: Headers,
): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ? authenticateToken(db, match[1]) : null;
  }
  const session = readCookie(headers, SESSION_COOKIE);
  return session ? authenticateSession(db, session) : null;
}

/**
 * True when a browser request comes from our own origin. Browsers send Origin on every
 * cross-origin request and on same-origin POSTs, so a cookie-authenticated mutation without a
 * matching Origin is refused (CSRF); SameSite cookies are the first line, this the second.
 */
export function isSameOrigin(headers: Headers, requestUrl: string): boolean {
  const origin = headers.get("origin");
  if (!origin) return false;
  const host = headers.get("host") ?? new URL(requestUrl).host;
  // A malformed Origin is, by definition, not ours.
  return URL.canParse(origin) && new URL(origin).host === host;
}
