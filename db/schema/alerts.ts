import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  doublePrecision,
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

/** `firing` until its condition stays clear (or an operator resolves it); then `resolved`. */
export const alertStateEnum = pgEnum("alert_state", ["firing", "resolved"]);
export const alertSeverityEnum = pgEnum("alert_severity", ["warning", "critical"]);

/** The rules of docs/architecture.md "Alerts". Text, not an enum: a new rule needs no migration. */
export type AlertRule =
  | "task_duration"
  | "resource_usage"
  | "dependency_wait"
  | "failure_rate"
  | "agent_offline"
  | "agent_quarantined"
  | "task_stalled"
  | "wait_timeout";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/**
 * One row per episode of a (rule, subject) condition. Subjects: `task:<id>`, `pool:<name>`,
 * `agent:<id>` (offline), `agent:<id>:<resource>` (usage), `global` (failure rate).
 */
export const alerts = pgTable(
  "alerts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    rule: text("rule").$type<AlertRule>().notNull(),
    subject: text("subject").notNull(),
    state: alertStateEnum("state").notNull().default("firing"),
    severity: alertSeverityEnum("severity").notNull(),
    /** The measured value when last updated: seconds for time rules, a ratio for the others. */
    value: doublePrecision("value").notNull(),
    threshold: doublePrecision("threshold").notNull(),
    message: text("message").notNull(),
    openedAt: timestamptz("opened_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
    resolvedAt: timestamptz("resolved_at"),
    acknowledgedAt: timestamptz("acknowledged_at"),
    /** Token ids, as `created_by` elsewhere. `resolved_by` null on a resolved alert = automatic. */
    acknowledgedBy: uuid("acknowledged_by"),
    resolvedBy: uuid("resolved_by"),
    lastNotifiedAt: timestamptz("last_notified_at"),
    /**
     * Since when the condition has been seen clear; null while it holds. A firing alert resolves
     * once this is old enough (hysteresis). An operator's resolve sets it null, and while it
     * stays null the subject opens no new alert: the condition must clear first.
     */
    clearSince: timestamptz("clear_since"),
  },
  (t) => [
    // The database, not the evaluator, guarantees one open alert per (rule, subject), even when
    // two instances evaluate at once: both insert ON CONFLICT DO NOTHING and one wins.
    uniqueIndex("alerts_firing_key_idx").on(t.rule, t.subject).where(sql`${t.state} = 'firing'`),
    // Operator-resolved alerts whose condition has not cleared since: they hold back a re-open.
    index("alerts_reopen_hold_idx")
      .on(t.rule, t.subject)
      .where(sql`${t.state} = 'resolved' and ${t.clearSince} is null`),
    // Retention prunes resolved alerts by age.
    index("alerts_resolved_at_idx").on(t.resolvedAt).where(sql`${t.state} = 'resolved'`),
  ],
);

/**
 * Webhook outbox: one row per notification, written in the transaction that changed the
 * alert, so a notification survives a restart and its delivery never holds up that change.
 */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    alertId: bigint("alert_id", { mode: "number" })
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    payload: jsonb("payload").notNull(),
    /** Attempts started, counted when claimed: an attempt cut short by a crash counts too. */
    attempts: integer("attempts").notNull().default(0),
    /** When the next attempt may start; null once delivered or given up. */
    nextAttemptAt: timestamptz("next_attempt_at").defaultNow(),
    deliveredAt: timestamptz("delivered_at"),
    lastError: text("last_error"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("alert_deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.nextAttemptAt} is not null`),
    index("alert_deliveries_alert_idx").on(t.alertId, t.id),
  ],
);
