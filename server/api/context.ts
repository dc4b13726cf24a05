import type { Database } from "@/db/client";
import { authenticateRequest, isSameOrigin } from "@/server/auth/request";
import type { Principal } from "@/server/auth/roles";

export interface Context {
  db: Database;
  /** null when the request carries no valid credentials. */
  principal: Principal | null;
  /** Whether the request's Origin is this server's (see isSameOrigin). */
  sameOrigin: boolean;
}

export async function createContext(db: Database, req: Request): Promise<Context> {
  return {
    db,
    principal: await authenticateRequest(db, req.headers),
    sameOrigin: isSameOrigin(req.headers, req.url),
  };
}
