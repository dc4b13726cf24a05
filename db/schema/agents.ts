import { sql } from "drizzle-orm";
import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * `online`: claims work. `draining`: finishes what it holds, claims nothing new (operator's
 * drain). `offline`: its heartbeat stopped; its leases are expired by the sweep.
 */
export const agentStatusEnum = pgEnum("agent_status", ["online", "draining", "offline"]);

export const agents = pgTable(
  "agents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** The agent token that registered it: only that token may act for this agent. */
    tokenId: uuid("token_id").notNull(),
    capabilities: text("capabilities").array().notNull().default(sql`'{}'::text[]`),
    /** Its own amount of each agent-scoped resource, e.g. `{cpu: 8, slots: 4}`. */
    capacity: jsonb("capacity").$type<Record<string, number>>().notNull().default({}),
    status: agentStatusEnum("status").notNull().default("online"),
    metadata: jsonb("metadata").notNull().default({}),
    registeredAt: timestamp("registered_at", { withTimezone: true }).notNull().defaultNow(),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * Quarantine (server/agents/quarantine.ts). Attempts that ended in failure since its last
     * success (a lease that expired counts), since when, and the task types they were of.
     */
    failureStreak: integer("failure_streak").notNull().default(0),
    failureStreakSince: timestamp("failure_streak_since", { withTimezone: true }),
    failureStreakTypes: text("failure_streak_types").array().notNull().default(sql`'{}'::text[]`),
    /** Quarantines since its last success: the next cool-down is 1 min × 2^this, ≤ 1 h. */
    quarantineCount: integer("quarantine_count").notNull().default(0),
    /** Claims nothing before this; null or past when not quarantined. */
    quarantinedUntil: timestamp("quarantined_until", { withTimezone: true }),
    quarantinedAt: timestamp("quarantined_at", { withTimezone: true }),
    quarantineReason: text("quarantine_reason"),
  },
  (t) => [
    // Re-registering after a restart finds the same agent.
    uniqueIndex("agents_token_name_idx").on(t.tokenId, t.name),
    index("agents_heartbeat_idx").on(t.lastHeartbeatAt).where(sql`${t.status} <> 'offline'`),
  ],
);
