import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Database } from "@/db/client";
import { getConfig } from "@/server/config";
import type { DatabaseCircuit } from "@/server/database-circuit";
import { isDatabaseUnavailable } from "@/server/errors";
import { errorIdFor } from "@/server/log/error-id";
import { log } from "@/server/log/logger";
import { withPhases } from "@/server/log/phase-timings";
import { createContext } from "./context";
import { TRPC_ENDPOINT } from "./endpoint";
import { publicError, RETRY_AFTER_S } from "./public-error";
import { limitRequest, type RequestLimitRefusal } from "./request-limit";
import { appRouter } from "./root";

export { TRPC_ENDPOINT } from "./endpoint";

const apiLog = log.child({ component: "api" });

/**
 * Answers one tRPC HTTP request. Kept apart from the Next route so integration tests drive the
 * exact same path (auth, CSRF check, status codes) with a real database and no server.
 * `circuit`: while it knows the database down, every call answers 503 without waiting on it.
 * `logDb`: the pool log appends use (default: `db`).
 */
export function handleTrpcRequest(
  db: Database,
  incoming: Request,
  circuit?: DatabaseCircuit,
  logDb?: Database,
): Promise<Response> {
  return withPhases(() => answer(db, incoming, circuit, logDb));
}

async function answer(
  db: Database,
  incoming: Request,
  circuit?: DatabaseCircuit,
  logDb?: Database,
): Promise<Response> {
  const req = await limitRequest(incoming, getConfig().taskManager.limits.requestBytes);
  if (!(req instanceof Request)) return refusal(req);
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: () => {
      circuit?.assertUp();
      return createContext(db, req, logDb);
    },
    // A subscription answers 200 and reports errors inside its event stream, even "who are
    // you?". Without valid credentials it answers 401 instead, like every other call: curl and
    // monitoring see the status, and an EventSource gives up instead of retrying forever.
    // An unreachable database answers 503 with Retry-After, so clients retry.
    responseMeta({ ctx, type, errors }) {
      const retry = retryAfter(errors);
      if (retry) return { headers: new Headers(retry) };
      return type === "subscription" && ctx && !ctx.principal ? { status: 401 } : {};
    },
    onError: reportCallError(circuit),
  });
}

/** The header an answer carries when the database is unavailable: clients retry after it. */
export function retryAfter(errors: readonly Error[]): Record<string, string> | undefined {
  return errors.some(isDatabaseUnavailable) ? { "retry-after": String(RETRY_AFTER_S) } : undefined;
}

/**
 * One line per failed call, under the id its response carries. Never the input: it may hold
 * secrets. A database found unavailable opens the circuit.
 */
export function reportCallError(circuit: DatabaseCircuit | undefined) {
  return ({ error, path, type }: { error: TRPCError; path?: string; type: string }) => {
    const fields = { errorId: errorIdFor(error), path, type, code: publicError(error).code };
    if (isDatabaseUnavailable(error)) {
      circuit?.report(error);
      apiLog.warn({ ...fields, err: error }, "call failed: the database is unavailable");
    } else if (error.code === "INTERNAL_SERVER_ERROR") {
      apiLog.error({ ...fields, err: error }, "call failed");
    }
  };
}

/** A refusal in tRPC's error shape, so clients read it like any other error. */
function refusal({ status, message }: RequestLimitRefusal): Response {
  const code = status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST";
  const jsonRpcCode = status === 413 ? -32413 : -32600;
  return Response.json(
    { error: { message, code: jsonRpcCode, data: { code, httpStatus: status } } },
    { status },
  );
}
