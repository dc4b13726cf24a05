import { roles } from "@/server/auth/roles";
import { guardRoute } from "@/server/auth/route-guard";
import { getDb } from "@/server/db";
import { withErrorResponses } from "@/server/http/route-errors";
import { getSchedulerOverview } from "@/server/scheduler/overview";
import { getRunningScheduler } from "@/server/scheduler/start";

export const dynamic = "force-dynamic";

const noStore = { "cache-control": "no-store" };

/** Any role: the leader, this instance's loop, and when the next pass is planned. */
export const GET = withErrorResponses("GET /api/scheduler", async (req: Request) => {
  const guard = await guardRoute(req, roles);
  if (guard instanceof Response) return guard;
  const overview = await getSchedulerOverview(getDb(), getRunningScheduler());
  return Response.json(overview, { headers: noStore });
});

/**
 * Operators and admins: one pass now, on this instance, whether or not it leads (sweeps are
 * safe concurrently). Answers with the pass report.
 */
export const POST = withErrorResponses("POST /api/scheduler", async (req: Request) => {
  const guard = await guardRoute(req, ["operator", "admin"]);
  if (guard instanceof Response) return guard;
  const scheduler = getRunningScheduler();
  if (!scheduler) {
    return Response.json(
      { error: "the scheduler is not running on this instance" },
      { status: 503, headers: noStore },
    );
  }
  return Response.json(await scheduler.runOnce(), { headers: noStore });
});
