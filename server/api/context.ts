import type { Database } from "@/db/client";
import { authenticateRequest, isSameOrigin } from "@/server/auth/request";
import type { Principal } from "@/server/auth/roles";

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
  return {
    db,
    logDb,
    principal: await authenticateRequest(db, req.headers),
    sameOrigin: isSameOrigin(req.headers, req.url),
  };
}
