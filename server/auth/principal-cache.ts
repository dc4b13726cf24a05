import type { Principal } from "./roles";

/** How long a token's principal may stand in for its lookup (deferred-liveness.ts). */
export const PRINCIPAL_CACHE_MS = 30_000;
/** Tokens remembered at most; the oldest is forgotten first. */
export const PRINCIPAL_CACHE_ENTRIES = 10_000;

interface Entry {
  principal: Principal;
  at: number;
}

/**
 * Bearer tokens' principals as their last lookup found them, by token hash. Never the answer to
 * "may this token act?" on its own: a request that uses an entry has its token's liveness
 * checked by the very statement that makes its change (deferred-liveness.ts). A token's role
 * and name never change, so only liveness can be stale. The lookups that fill it also keep its
 * entries fresh, and with them `last_used_at` (tokens.ts).
 */
const entries = new Map<string, Entry>();

export function rememberPrincipal(tokenHash: string, principal: Principal, now = Date.now()) {
  entries.delete(tokenHash);
  entries.set(tokenHash, { principal, at: now });
  if (entries.size > PRINCIPAL_CACHE_ENTRIES) {
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
}

/** The principal a lookup found for this token in the last PRINCIPAL_CACHE_MS, if any. */
export function cachedPrincipal(tokenHash: string, now = Date.now()): Principal | undefined {
  const entry = entries.get(tokenHash);
  if (!entry) return undefined;
  if (now - entry.at < PRINCIPAL_CACHE_MS) return entry.principal;
  entries.delete(tokenHash);
  return undefined;
}

export function forgetTokenHash(tokenHash: string) {
  entries.delete(tokenHash);
}

/** A revocation in this process: no request here starts from the token's entry again. */
export function forgetTokenId(tokenId: string) {
  for (const [hash, entry] of entries)
    if (entry.principal.tokenId === tokenId) entries.delete(hash);
}
