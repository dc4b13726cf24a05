import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** The roles of docs/architecture.md "Auth"; the order here is only for display. */
export const roleEnum = pgEnum("role", ["admin", "operator", "orchestrator", "agent", "viewer"]);

/**
 * API tokens. Only a SHA-256 of the secret is stored: tokens are 256-bit random strings,
 * so a fast hash is enough (no password stretching needed) and lookups stay one index probe.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    role: roleEnum("role").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The first characters of the secret, so a human can tell tokens apart in a list. */
    prefix: text("prefix").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid("created_by"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_tokens_active_idx").on(t.createdAt).where(sql`${t.revokedAt} is null`)],
);

/**
 * Browser sessions: a sign-in exchanges a token for a session whose id lives in an httpOnly
 * cookie. A session acts with its token's role and dies with it (revoking the token ends
 * every session made from it), so the cookie never holds the bearer token itself.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sessionHash: text("session_hash").notNull().unique(),
    tokenId: uuid("token_id")
      .notNull()
      .references(() => apiTokens.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sessions_token_idx").on(t.tokenId)],
);
