import { getDb } from "@/server/db";
import { scrapeMetrics } from "@/server/metrics/prometheus";

export const dynamic = "force-dynamic";

/** Prometheus text; any role's token (server/metrics/prometheus.ts). */
export function GET(req: Request) {
  return scrapeMetrics(req, getDb());
}
