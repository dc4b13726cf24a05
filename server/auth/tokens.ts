import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { apiTokens } from "@/db/schema/auth";
import { notFound } from "@/server/errors";
import type { Principal, Role } from "./roles";
import { generateSecret, hashSecret } from "./secrets";

/** What may be shown about a token: never its hash, never its secret after creation. */
const publicColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  role: apiTokens.role,
  prefix: apiTokens.prefix,
  createdAt: apiTokens.createdAt,
  createdBy: apiTokens.createdBy,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
};

export type TokenRecord = Awaited<ReturnType<typeof listTokens>>[number];

export interface CreateTokenParams {
  name: string;
  role: Role;
  createdBy?: string | null;
  expiresAt?: Date | null;
  /** Use this secret instead of a random one (bootstrap from TM_BOOTSTRAP_ADMIN_TOKEN). */
  secret?: string;
}

/** Creates a token and returns its secret: the only time the secret is ever available. */
export async function createToken(db: Executor, params: CreateTokenParams) {
  const secret = params.secret ?? generateSecret("tm");
  const [record] = await db
    .insert(apiTokens)
    .values({
      name: params.name,
      role: params.role,
      tokenHash: hashSecret(secret),
      prefix: secret.slice(0, 10),
      createdBy: params.createdBy ?? null,
      expiresAt: params.expiresAt ?? null,
    })
    .returning(publicColumns);
  if (!record) throw new Error("insert into api_tokens returned no row");
  return { secret, token: record };
}

export async function listTokens(db: Database, options: { includeRevoked?: boolean } = {}) {
  return db
    .select(publicColumns)
    .from(apiTokens)
    .where(options.includeRevoked ? undefined : isNull(apiTokens.revokedAt))
    .orderBy(desc(apiTokens.createdAt));
}

/** Revokes a token; every session made from it stops working with it. Idempotent. */
export async function revokeToken(db: Database, id: string) {
  const [record] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
    .where(eq(apiTokens.id, id))
    .returning(publicColumns);
  if (!record) throw notFound(`token ${id}`);
  return record;
}

/** The condition under which a token may act: not revoked and not expired. */
export const tokenIsLive = and(
  isNull(apiTokens.revokedAt),
  or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
);

/**
 * Resolves a bearer secret to its principal, or null. Checked against the database on every
 * call (no cache), so a revocation takes effect on the very next request. The same statement
 * records use, at most once a minute per token: a write per call would double the cost of every
 * agent round trip for a value that only needs minute precision.
 */
export async function authenticateToken(db: Database, secret: string): Promise<Principal | null> {
  const rows = await db.execute<{ id: string; name: string; role: Role }>(sql`
    with live as (
      select ${apiTokens.id} as id, ${apiTokens.name} as name, ${apiTokens.role} as role
      from ${apiTokens}
      where ${apiTokens.tokenHash} = ${hashSecret(secret)} and ${tokenIsLive}
    ), touched as (
      update ${apiTokens} set last_used_at = now()
      from live
      where ${apiTokens.id} = live.id
        and (${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - interval '1 minute')
    )
    select id, name, role from live`);
  const row = rows[0];
  if (!row) return null;
  return { tokenId: row.id, tokenName: row.name, role: row.role, via: "bearer" };
}
