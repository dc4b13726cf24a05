import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

export const logLevelEnum = pgEnum("log_level", ["debug", "info", "warn", "error"]);

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/**
 * Log lines agents append to the attempt they hold (server/logs/). `seq` numbers a task's
 * lines across all its attempts, in commit order (append.ts), so one number resumes a followed
 * log. No foreign key: a line insert must not lock the task row a completion is updating, and
 * retention (not the task's deletion) is what removes lines.
 */
export const taskLogs = pgTable(
  "task_logs",
  {
    taskId: uuid("task_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    attempt: integer("attempt").notNull(),
    level: logLevelEnum("level").notNull(),
    message: text("message").notNull(),
    fields: jsonb("fields"),
    /** The agent's time for the line, or when it arrived. */
    at: timestamptz("at").notNull(),
    /** When it was stored: what retention goes by. */
    loggedAt: timestamptz("logged_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.seq] }),
    // BRIN: rows arrive in logged_at order, so a few pages of index find the old ones for
    // retention, and an insert costs next to nothing (a b-tree would cost every line a write).
    // Autosummarize: page ranges are summarised as they fill, not only by a VACUUM, so the
    // retention sweep's scan skips the recent ones.
    index("task_logs_logged_at_idx").using("brin", t.loggedAt).with({ autosummarize: "on" }),
  ],
);

/**
 * One row per task with a log: the next sequence number and the limits' counters for the
 * current attempt. Every append locks this row, which orders a task's appends (and so their
 * sequence numbers) without touching the tasks row.
 */
export const taskLogState = pgTable("task_log_state", {
  taskId: uuid("task_id").primaryKey(),
  /** The attempt the counters below are for; an append for an older one is refused. */
  attempt: integer("attempt").notNull(),
  nextSeq: bigint("next_seq", { mode: "number" }).notNull().default(1),
  lines: integer("lines").notNull().default(0),
  bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
  /** Lines dropped past the attempt's limit, counted in the one marker line at `marker_seq`. */
  dropped: integer("dropped").notNull().default(0),
  markerSeq: bigint("marker_seq", { mode: "number" }),
  /** `{attempt: first seq}`: reading one attempt starts at its first line, not the task's. */
  attemptStarts: jsonb("attempt_starts")
    .$type<Record<string, number>>()
    .notNull()
    .default(sql`'{}'::jsonb`),
  updatedAt: timestamptz("updated_at").notNull().defaultNow(),
});
