import type { Database } from "@/db/client";
import { getDb } from "@/server/db";
import { authenticateRequest, isSameOrigin } from "./request";
import type { Principal, Role } from "./roles";

/** Methods that change nothing, so a cross-site browser may send them with its cookie. */
const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * The plain-route counterpart of the tRPC procedure tiers (server/api/trpc.ts), with the
 * same answers: 401 without valid credentials, 403 for a cookie-authenticated unsafe request
 * from another origin (CSRF; bearer tokens are never sent by a browser on its own), 403 for a
 * role not in `allowedRoles`. Returns the principal, or the response to send as is.
 */
export async function guardRoute(
  req: Request,
  allowedRoles: readonly Role[],
  db: Database = getDb(),
): Promise<{ principal: Principal } | Response> {
  const principal = await authenticateRequest(db, req.headers);
  if (!principal) {
    return Response.json(
      { error: "a valid token or session is required" },
      { status: 401, headers: { "www-authenticate": "Bearer" } },
    );
  }
  if (
    principal.via === "session" &&
    !SAFE_METHODS.has(req.method.toUpperCase()) &&
    !isSameOrigin(req.headers, req.url)
  ) {
    return Response.json({ error: "cross-site request refused" }, { status: 403 });
  }
  if (!allowedRoles.includes(principal.role)) {
    return Response.json(
      { error: `role ${principal.role} may not do this (needs ${allowedRoles.join(" or ")})` },
      { status: 403 },
    );
  }
  return { principal };
}
