import { RETRY_AFTER_S } from "@/server/api/public-error";
import { authenticateRequest } from "@/server/auth/request";
import { getDatabaseCircuit, getDb } from "@/server/db";
import { checkHealth, publicHealth } from "@/server/health";

export const dynamic = "force-dynamic";

/**
 * Unauthenticated by design: load balancers and the start command poll it, and hear only
 * whether the database is reachable. A caller with a valid token or session also gets the
 * PostgreSQL version and the check's latency.
 */
export async function GET(req: Request) {
  const db = getDb();
  const report = await checkHealth(db, getDatabaseCircuit());
  const signedIn =
    report.database.reachable &&
    (req.headers.has("authorization") || req.headers.has("cookie")) &&
    (await authenticateRequest(db, req.headers).catch(() => null)) !== null;
  const headers = new Headers({ "cache-control": "no-store" });
  if (report.status !== "ok") headers.set("retry-after", String(RETRY_AFTER_S));
  return Response.json(signedIn ? report : publicHealth(report), {
    status: report.status === "ok" ? 200 : 503,
    headers,
  });
}
