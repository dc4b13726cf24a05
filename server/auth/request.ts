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

/** The secret of an `Authorization: Bearer <secret>` header's value; undefined if malformed. */
export function bearerSecret(authorization: string): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
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
    const secret = bearerSecret(authorization);
    return secret ? authenticateToken(db, secret) : null;
  }
  const session = readCookie(headers, SESSION_COOKIE);
  return session ? authenticateSession(db, session) : null;
}

/**
 * True when a browser request comes from our own origin: the same scheme, host and port.
 * Browsers send Origin on every cross-origin request and on same-origin POSTs, so a
 * cookie-authenticated mutation without a matching Origin is refused (CSRF); SameSite cookies
 * are the first line, this the second.
 */
export function isSameOrigin(headers: Headers, requestUrl: string): boolean {
  const origin = headers.get("origin");
  const ours = serverOrigin(headers, requestUrl);
  // A malformed or opaque ("null") Origin is, by definition, not ours.
  if (!origin || !ours || !URL.canParse(origin)) return false;
  return new URL(origin).origin === ours;
}

/**
 * The origin the browser addressed. Behind Next the request URL may say `localhost` whatever
 * host the browser used, so the host comes from the Host header. The scheme comes from
 * `x-forwarded-proto`: Next sets it from the socket when no proxy did, and a TLS-terminating
 * proxy sets it to https (a browser cannot forge it on a cross-site request).
 */
function serverOrigin(headers: Headers, requestUrl: string): string | null {
  const url = new URL(requestUrl);
  const host = headers.get("host") ?? url.host;
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  const scheme =
    forwarded === "http" || forwarded === "https" ? forwarded : url.protocol.slice(0, -1);
  // A Host header with a path, credentials or spaces in it is not a host.
  if (/[/?#@\\\s]/.test(host)) return null;
  const candidate = `${scheme}://${host}`;
  return URL.canParse(candidate) ? new URL(candidate).origin : null;
}
