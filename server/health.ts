import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/rows";
import type { DatabaseCircuit } from "@/server/database-circuit";

export interface HealthReport {
  status: "ok" | "degraded";
  database: { reachable: true; version: string; latencyMs: number } | { reachable: false };
}

/** What an unauthenticated caller sees: reachable or not, no versions, no error text. */
export interface PublicHealthReport {
  status: HealthReport["status"];
  database: { reachable: boolean };
}

/** A health check must answer within the 2 s a load balancer or client may allow. */
const TIMEOUT_MS = 1500;

/**
 * Whether the database answers, and which PostgreSQL it is. Never throws, and never waits
 * while `circuit` knows the database down. The failure's detail is not reported: the circuit
 * logs the outage once.
 */
export async function checkHealth(db: Database, circuit?: DatabaseCircuit): Promise<HealthReport> {
  if (circuit?.isDown()) return { status: "degraded", database: { reachable: false } };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    const query = queryRows(
      db,
      "database version",
      z.object({ version: z.string() }),
      sql`select current_setting('server_version') as version`,
    );
    // Observed, so a query that fails after the timeout won is not an unhandled rejection.
    query.catch(() => {});
    const [row] = await Promise.race([query, timeout]);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      status: "ok",
      database: { reachable: true, version: row?.version ?? "unknown", latencyMs },
    };
  } catch (error) {
    circuit?.report(error);
    return { status: "degraded", database: { reachable: false } };
  } finally {
    clearTimeout(timer);
  }
}

export function publicHealth(report: HealthReport): PublicHealthReport {
  return { status: report.status, database: { reachable: report.database.reachable } };
}
