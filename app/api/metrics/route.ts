import { getDb } from "@/server/db";
import { withErrorResponses } from "@/server/http/route-errors";
import { scrapeMetrics } from "@/server/metrics/prometheus";

export const dynamic = "force-dynamic";

/** Prometheus text; any role's token (server/metrics/prometheus.ts). */
export const GET = withErrorResponses("GET /api/metrics", (req: Request) =>
  scrapeMetrics(req, getDb()),
);
