import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { apiTokens } from "@/db/schema/auth";
import { createToken } from "./tokens";

/**
 * On a first start (no token at all) creates an admin token and returns its secret, so the
 * operator can sign in, as Jupyter does. Returns null once any token exists, revoked or not: a
 * deployment whose admin revoked every token must not mint a new one on restart.
 * An advisory lock keeps two instances starting together from minting two admins.
 */
export async function ensureBootstrapAdmin(
  db: Database,
  options: { token?: string } = {},
): Promise<{ token: string } | null> {
  if (options.token !== undefined && options.token.length < 32) {
    throw new Error("TM_BOOTSTRAP_ADMIN_TOKEN must be at least 32 characters long");
  }
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('task-manager:bootstrap-admin'))`);
    const [existing] = await tx.select({ id: apiTokens.id }).from(apiTokens).limit(1);
    if (existing) return null;
    const { secret } = await createToken(tx, {
      name: "bootstrap admin",
      role: "admin",
      secret: options.token,
    });
    return { token: secret };
  });
}
