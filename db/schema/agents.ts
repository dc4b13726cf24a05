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
  },
  (t) => [
    // Re-registering after a restart finds the same agent.
    uniqueIndex("agents_token_name_idx").on(t.tokenId, t.name),
    index("agents_heartbeat_idx").on(t.lastHeartbeatAt).where(sql`${t.status} <> 'offline'`),
  ],
);

/**
 * Quarantine bookkeeping (server/agents/quarantine.ts), one row per agent that ever failed an
 * attempt. A table of its own, not columns of agents: failing transactions write it after the
 * task rows they end, while a heartbeat locks the agent row before the agent's tasks; the same
 * row in both would be a lock-order cycle (deadlock) between an agent's failure and heartbeat.
 */
export const agentHealth = pgTable("agent_health", {
  // No foreign key on purpose: its check would take a KEY SHARE lock on the agent row, which a
  // heartbeat's FOR UPDATE waits on, bringing the cycle back on an agent's first failure.
  agentId: uuid("agent_id").primaryKey(),
  /** Attempts that ended in failure since its last success (an expired lease counts). */
  failureStreak: integer("failure_streak").notNull().default(0),
  /** The first failure of the streak: other agents' successes count from here. */
  failureStreakSince: timestamp("failure_streak_since", { withTimezone: true }),
  /** The task types failed in the streak. */
  failureStreakTypes: text("failure_streak_types").array().notNull().default(sql`'{}'::text[]`),
  /** Quarantines since its last success: the next cool-down is 1 min × 2^this, ≤ 1 h. */
  quarantineCount: integer("quarantine_count").notNull().default(0),
  /** Claims nothing before this; null or past when not quarantined. */
  quarantinedUntil: timestamp("quarantined_until", { withTimezone: true }),
  quarantinedAt: timestamp("quarantined_at", { withTimezone: true }),
  quarantineReason: text("quarantine_reason"),
});
