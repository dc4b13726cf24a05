import { getDb } from "@/server/db";
import { checkHealth } from "@/server/health";

export const dynamic = "force-dynamic";

/** Unauthenticated by design: load balancers and the start command poll it. */
export async function GET() {
  const report = await checkHealth(getDb());
  return Response.json(report, {
    status: report.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
