import "server-only";
import { INTERNAL_MESSAGE, RETRY_AFTER_S, UNAVAILABLE_MESSAGE } from "@/server/api/public-error";
import { getDatabaseCircuit } from "@/server/db";
import { isDatabaseUnavailable } from "@/server/errors";
import { errorIdFor } from "@/server/log/error-id";
import { log } from "@/server/log/logger";

const routeLog = log.child({ component: "api" });

/**
 * The plain-route counterpart of the tRPC error mapping (server/api/public-error.ts): 503 with
 * Retry-After while the database is unreachable (at once while it is known down), otherwise
 * 500 with a generic message and an error id, the detail logged under that id. Next's own
 * handling would log the raw error, SQL and parameters included.
 */
export function withErrorResponses<Args extends unknown[]>(
  route: string,
  handler: (...args: Args) => Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args) => {
    try {
      getDatabaseCircuit().assertUp();
      return await handler(...args);
    } catch (error) {
      return errorResponse(route, error);
    }
  };
}

export function errorResponse(route: string, error: unknown): Response {
  const errorId = errorIdFor(error);
  const headers = new Headers({ "cache-control": "no-store" });
  if (isDatabaseUnavailable(error)) {
    getDatabaseCircuit().report(error);
    routeLog.warn({ errorId, route, err: error }, "request failed: the database is unavailable");
    headers.set("retry-after", String(RETRY_AFTER_S));
    return Response.json({ error: UNAVAILABLE_MESSAGE, errorId }, { status: 503, headers });
  }
  routeLog.error({ errorId, route, err: error }, "request failed");
  return Response.json({ error: INTERNAL_MESSAGE, errorId }, { status: 500, headers });
}
