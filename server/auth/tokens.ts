import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database, Executor } from "@/db/client";
import { mapRows } from "@/db/rows";
import { apiTokens } from "@/db/schema/auth";
import { notFound } from "@/server/errors";
import { CHANNELS } from "@/server/events/record";
import { forgetTokenHash, forgetTokenId, rememberPrincipal } from "./principal-cache";
import { type Principal, type Role, roles } from "./roles";
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

/**
 * Revokes a token; every session made from it stops working with it. Idempotent. The NOTIFY
 * (delivered at commit) ends the token's open event streams on every instance: they were
 * authenticated once, when they opened.
 */
export async function revokeToken(db: Database, id: string) {
  return db.transaction(async (tx) => {
    const [record] = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
      .where(eq(apiTokens.id, id))
      .returning(publicColumns);
    if (!record) throw notFound(`token ${id}`);
    await tx.execute(sql`select pg_notify(${CHANNELS.revoked}, ${record.id}::text)`);
    forgetTokenId(record.id);
    return record;
  });
}

/** Whether the token may still act (not revoked, not expired), and until when at most. */
export async function tokenLiveness(
  db: Database,
  id: string,
): Promise<{ live: false } | { live: true; expiresAt: Date | null }> {
  const [row] = await db
    .select({ expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), tokenIsLive));
  return row ? { live: true, expiresAt: row.expiresAt } : { live: false };
}

/** The condition under which a token may act: not revoked and not expired. */
export const tokenIsLive = and(
  isNull(apiTokens.revokedAt),
  or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
);

/**
 * The name and role of a live token, for the sign-in confirmation page; null when it may not
 * act. A read only: showing a link's owner is not a use of the token.
 */
export async function describeToken(
  db: Database,
  secret: string,
): Promise<{ id: string; name: string; role: Role } | null> {
  const [row] = await db
    .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashSecret(secret.trim())), tokenIsLive));
  return row ?? null;
}

/**
 * Resolves a bearer secret to its principal, or null. Checked against the database on every
 * call, so a revocation takes effect on the very next request; the principal found is
 * remembered for the requests that check liveness in their own statement instead
 * (deferred-liveness.ts), which take effect as surely. The same statement
 * records use, at most once a minute per token: a write per call would double the cost of every
 * agent round trip for a value that only needs minute precision. Prepared (db/prepared.ts):
 * every call of every client runs it first, and unprepared its parse, plan and extra round trip
 * were the largest part of an agent call's time in the server.
 */
export async function authenticateToken(db: Database, secret: string): Promise<Principal | null> {
  const hash = hashSecret(secret);
  const rows = await mapRows(
    db,
    "authenticate a token",
    (row, c) => ({
      id: c.string(row, "id"),
      name: c.string(row, "name"),
      role: c.member(row, "role", roles),
    }),
    sql`
    with live as (
      select ${apiTokens.id} as id, ${apiTokens.name} as name, ${apiTokens.role} as role
      from ${apiTokens}
      where ${apiTokens.tokenHash} = ${hash} and ${tokenIsLive}
    ), touched as (
      update ${apiTokens} set last_used_at = now()
      from live
      where ${apiTokens.id} = live.id
        and (${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - interval '1 minute')
    )
    select id, name, role from live`,
    { prepared: true },
  );
  const row = rows[0];
  if (!row) {
    forgetTokenHash(hash);
    return null;
  }
  const principal: Principal = {
    tokenId: row.id,
    tokenName: row.name,
    role: row.role,
    via: "bearer",
  };
  rememberPrincipal(hash, principal);
  return principal;
}
