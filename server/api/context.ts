import type { Database } from "@/db/client";
import {
  checksLivenessItself,
  type DeferredLiveness,
  deferredBearer,
} from "@/server/auth/deferred-liveness";
import { authenticateRequest, isSameOrigin } from "@/server/auth/request";
import type { Principal } from "@/server/auth/roles";
import { phase } from "@/server/log/phase-timings";
import { TRPC_ENDPOINT } from "./endpoint";

export interface Context {
  db: Database;
  /** The pool log appends use (server/db.ts, getLogDb); absent: `db`. */
  logDb?: Database;
  /** null when the request carries no valid credentials. */
  principal: Principal | null;
  /**
   * Set when `principal` is a remembered one whose token was not looked up for this request
   * (server/auth/deferred-liveness.ts): only for procedures that check the token's liveness in
   * their own statement; authedProcedure looks it up for any other.
   */
  liveness?: DeferredLiveness;
  /** Whether the request's Origin is this server's (see isSameOrigin). */
  sameOrigin: boolean;
}

export async function createContext(
  db: Database,
  /** A fetch Request, or what the direct agent calls have of one (direct-call.ts). */
  req: Pick<Request, "url" | "headers">,
  logDb?: Database,
): Promise<Context> {
  phase("auth.start");
  const deferred = checksLivenessItself(req.url, TRPC_ENDPOINT)
    ? deferredBearer(db, req.headers)
    : undefined;
  const principal = deferred?.principal ?? (await authenticateRequest(db, req.headers));
  phase("auth.done");
  return {
    db,
    logDb,
    principal,
    liveness: deferred?.liveness,
    sameOrigin: isSameOrigin(req.headers, req.url),
  };
}
