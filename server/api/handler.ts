import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Database } from "@/db/client";
import { createContext } from "./context";
import { appRouter } from "./root";

export const TRPC_ENDPOINT = "/api/trpc";

/**
 * Answers one tRPC HTTP request. Kept apart from the Next route so integration tests drive the
 * exact same path (auth, CSRF check, status codes) with a real database and no server.
 */
export function handleTrpcRequest(db: Database, req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: () => createContext(db, req),
    // A subscription answers 200 and reports errors inside its event stream, even "who are
    // you?". Without valid credentials it answers 401 instead, like every other call: curl and
    // monitoring see the status, and an EventSource gives up instead of retrying forever.
    responseMeta({ ctx, type }) {
      return type === "subscription" && ctx && !ctx.principal ? { status: 401 } : {};
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"}:`, error);
    },
  });
}
