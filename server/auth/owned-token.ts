import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { apiTokens } from "@/db/schema/auth";
import type { Role } from "./roles";
import { hashSecret } from "./secrets";
import { createToken, tokenIsLive } from "./tokens";

export interface OwnedToken {
  id: string;
  secret: string;
}

/**
 * A token a local program keeps for itself (the launcher's demo fleet), made directly in the
 * database so no secret is ever printed or copied. `kept` is what the program saved last time:
 * reused while it is still live with this role and matches its stored hash; otherwise any live
 * token of that name (whose secret was lost) is revoked and a new one made, so restarts leave
 * exactly one live token of that name. The caller saves the result.
 */
export async function ensureOwnedToken(
  db: Executor,
  params: { name: string; role: Role; kept: OwnedToken | undefined },
): Promise<OwnedToken> {
  const { kept } = params;
  if (kept) {
    const [live] = await db
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(
        and(
          eq(apiTokens.id, kept.id),
          eq(apiTokens.tokenHash, hashSecret(kept.secret)),
          eq(apiTokens.role, params.role),
          tokenIsLive,
        ),
      )
      .limit(1);
    if (live) return kept;
  }
  await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.name, params.name), tokenIsLive));
  const created = await createToken(db, { name: params.name, role: params.role });
  return { id: created.token.id, secret: created.secret };
}
