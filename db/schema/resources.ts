import { sql } from "drizzle-orm";
import {
  bigserial,
  doublePrecision,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

/** `pool`: one shared capacity. `agent`: each agent declares its own amount. */
export const resourceScopeEnum = pgEnum("resource_scope", ["pool", "agent"]);

export const resources = pgTable(
  "resources",
  {
    name: text("name").primaryKey(),
    scope: resourceScopeEnum("scope").notNull(),
    /** Pools only. */
    capacity: doublePrecision("capacity"),
    /**
     * Pools only: the sum of open allocations, kept in the row so a claim checks and takes
     * capacity with one conditional UPDATE, serialised by the row lock.
     */
    inUse: doublePrecision("in_use").notNull().default(0),
    description: text("description"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // No CHECK (in_use <= capacity): an operator may shrink a pool below what is held now; new
  // claims then wait until enough is released.
);

/** Who holds what since when: one row per resource per attempt, closed when the attempt ends. */
export const allocations = pgTable(
  "allocations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    taskId: uuid("task_id").notNull(),
    leaseEpoch: integer("lease_epoch").notNull(),
    agentId: uuid("agent_id").notNull(),
    resource: text("resource").notNull(),
    amount: doublePrecision("amount").notNull(),
    acquiredAt: timestamp("acquired_at", { withTimezone: true }).notNull().defaultNow(),
    releasedAt: timestamp("released_at", { withTimezone: true }),
  },
  (t) => [
    index("allocations_open_resource_idx").on(t.resource).where(sql`${t.releasedAt} is null`),
    index("allocations_open_agent_idx").on(t.agentId).where(sql`${t.releasedAt} is null`),
    index("allocations_task_idx").on(t.taskId),
    index("allocations_time_idx").on(t.acquiredAt),
    // Utilisation charts: allocations held since before a range's start are found by release.
    index("allocations_released_idx").on(t.releasedAt).where(sql`${t.releasedAt} is not null`),
  ],
);
