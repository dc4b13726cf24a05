import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** A DAG of tasks submitted in one call; its tasks refer to each other by client keys. */
export const workflows = pgTable(
  "workflows",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    idempotencyKey: text("idempotency_key").unique(),
    metadata: jsonb("metadata").notNull().default({}),
    /** The submitting token: orchestrators may operate only on their own workflows. */
    createdBy: uuid("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set while paused: claims skip the workflow's tasks (server/tasks/claim.ts). */
    pausedAt: timestamp("paused_at", { withTimezone: true }),
    pausedBy: uuid("paused_by"),
    /** Set on a workflow a schedule submitted: which schedule, and for which fire time. */
    scheduleId: uuid("schedule_id"),
    scheduleFireAt: timestamp("schedule_fire_at", { withTimezone: true }),
  },
  (t) => [
    // The runs list's order (server/workflows/list.ts), id breaking ties. NULLS FIRST is what
    // a plain `order by … desc` means: drizzle's default NULLS LAST matches no such query, and
    // the list then sorted the whole history to return one page.
    index("workflows_created_idx").on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // The claim reads the paused set once per statement: a partial index keeps that read
    // proportional to the (usually empty) set, not to the history.
    index("workflows_paused_idx").on(t.id).where(sql`${t.pausedAt} is not null`),
    index("workflows_schedule_idx").on(t.scheduleId).where(sql`${t.scheduleId} is not null`),
  ],
);
