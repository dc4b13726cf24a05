import type { Database } from "@/db/client";
import { authenticateRequest, isSameOrigin } from "@/server/auth/request";
import type { Principal } from "@/server/auth/roles";
import { phase } from "@/server/log/phase-timings";

export interface Context {
  db: Database;
  /** The pool log appends use (server/db.ts, getLogDb); absent: `db`. */
  logDb?: Database;
  /** null when the request carries no valid credentials. */
  principal: Principal | null;
  /** Whether the request's Origin is this server's (see isSameOrigin). */
  sameOrigin: boolean;
}

export async function createContext(
  db: Database,
  req: Request,
  logDb?: Database,
): Promise<Context> {
  phase("auth.start");
  const principal = await authenticateRequest(db, req.headers);
  phase("auth.done");
  return {
    db,
    logDb,
    principal,
    sameOrigin: isSameOrigin(req.headers, req.url),
  };
}
