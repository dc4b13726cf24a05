import type { Database } from "@/db/client";
import { DomainError } from "@/server/errors";
import { cachedPrincipal } from "./principal-cache";
import { bearerSecret } from "./request";
import type { Principal } from "./roles";
import { hashSecret } from "./secrets";
import { authenticateToken } from "./tokens";

/** The answer to a request whose token may not act: the same as the API's other 401s. */
export const UNAUTHENTICATED = "a valid token or session is required";

/**
 * A request that acts on a remembered principal (principal-cache.ts) whose token has not been
 * looked up for it: the statement that makes its change also requires the token live
 * (`liveToken`), and whatever path runs without such a statement calls `verify` first.
 */
export interface DeferredLiveness {
  tokenId: string;
  /** Looks the token up now (once per request); throws UNAUTHORIZED when it may not act. */
  verify(): Promise<void>;
}

/**
 * The procedures whose every change is made by statements that check their token's liveness
 * themselves: the completion of an agent's tasks, each hop of a pipeline (complete-statement.ts).
 * Their token lookup, a round trip of its own before the completion's, is spared.
 */
export const LIVENESS_IN_STATEMENT: ReadonlySet<string> = new Set(["tasks.completeMany"]);

/**
 * Whether every procedure a tRPC request names (`/api/trpc/a,b?batch=1`) checks its token's
 * liveness in its statement. A malformed or unexpected path is not.
 */
export function checksLivenessItself(url: string, endpoint: string): boolean {
  const { pathname } = new URL(url);
  if (!pathname.startsWith(`${endpoint}/`)) return false;
  return pathname
    .slice(endpoint.length + 1)
    .split(",")
    .every((name) => LIVENESS_IN_STATEMENT.has(name));
}

/**
 * The bearer token's remembered principal, and the liveness check its request then owes; none
 * when the request has no bearer token or it was not looked up lately (the caller looks it up).
 */
export function deferredBearer(
  db: Database,
  headers: Headers,
): { principal: Principal; liveness: DeferredLiveness } | undefined {
  const secret = bearerSecret(headers.get("authorization") ?? "");
  if (!secret) return undefined;
  const principal = cachedPrincipal(hashSecret(secret));
  if (!principal) return undefined;
  let verified: Promise<void> | undefined;
  return {
    principal,
    liveness: {
      tokenId: principal.tokenId,
      verify: () => {
        verified ??= authenticateToken(db, secret).then((fresh) => {
          if (fresh?.tokenId !== principal.tokenId)
            throw new DomainError("UNAUTHORIZED", UNAUTHENTICATED);
        });
        return verified;
      },
    },
  };
}
