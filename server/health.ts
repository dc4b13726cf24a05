import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

export interface HealthReport {
  status: "ok" | "degraded";
  database:
    | { reachable: true; version: string; latencyMs: number }
    | { reachable: false; error: string };
}

/** A health check must answer quickly even when the database hangs. */
const TIMEOUT_MS = 3000;

/** Whether the database answers, and which PostgreSQL it is. Never throws. */
export async function checkHealth(db: Database): Promise<HealthReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    const query = db.execute<{ version: string }>(
      sql`select current_setting('server_version') as version`,
    );
    const [row] = await Promise.race([query, timeout]);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      status: "ok",
      database: { reachable: true, version: row?.version ?? "unknown", latencyMs },
    };
  } catch (error) {
    return {
      status: "degraded",
      database: { reachable: false, error: error instanceof Error ? error.message : String(error) },
    };
  } finally {
    clearTimeout(timer);
  }
}
