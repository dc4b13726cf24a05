import {
  bigint,
  doublePrecision,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { taskStateEnum } from "./tasks";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/*
 * The overview's rollup (server/overview/). The sweep leader folds task events into per-minute
 * buckets, so the charts read a few hundred rows whatever the number of tasks. Histograms are
 * arrays of HISTOGRAM_BUCKETS counts on a √2 scale of milliseconds (server/overview/histogram.ts):
 * additive, so minutes merge into any coarser bucket and p50/p95 come out of the sums.
 */

/** Per minute and task type: what started and ended, and how long it waited and ran. */
export const taskMinuteStats = pgTable(
  "task_minute_stats",
  {
    minute: timestamptz("minute").notNull(),
    type: text("type").notNull(),
    started: integer("started").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Queued → claimed, of the claims in this minute. */
    waitSumMs: doublePrecision("wait_sum_ms").notNull().default(0),
    waitHist: integer("wait_hist").array().notNull(),
    /** Claimed → succeeded or failed, of the tasks that ended in this minute. */
    runSumMs: doublePrecision("run_sum_ms").notNull().default(0),
    runHist: integer("run_hist").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.type] })],
);

/** Per minute and agent: claims and ends, for "busiest agents". */
export const agentMinuteStats = pgTable(
  "agent_minute_stats",
  {
    minute: timestamptz("minute").notNull(),
    agentId: uuid("agent_id").notNull(),
    started: integer("started").notNull().default(0),
    finished: integer("finished").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.minute, t.agentId] })],
);

/** Tasks in each unfinished state, sampled once a minute by the sweep leader. */
export const queueDepthSamples = pgTable(
  "queue_depth_samples",
  {
    minute: timestamptz("minute").notNull(),
    state: taskStateEnum("state").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.state] })],
);

/**
 * Totals per task type since the rollup began, never pruned: monotonic, so /api/metrics can
 * expose them as Prometheus histograms. Types beyond a cap share one row (`_other`).
 */
export const taskTypeTotals = pgTable("task_type_totals", {
  type: text("type").primaryKey(),
  waitSumMs: doublePrecision("wait_sum_ms").notNull().default(0),
  waitHist: bigint("wait_hist", { mode: "number" }).array().notNull(),
  runSumMs: doublePrecision("run_sum_ms").notNull().default(0),
  runHist: bigint("run_hist", { mode: "number" }).array().notNull(),
});

/**
 * The rollup's watermark: every task event with an id up to `last_event_id` is counted, once.
 * One row (id 1), locked and advanced in the transaction that adds the events' counts.
 */
export const overviewRollupState = pgTable("overview_rollup_state", {
  id: smallint("id").primaryKey(),
  lastEventId: bigint("last_event_id", { mode: "number" }).notNull(),
  updatedAt: timestamptz("updated_at").notNull().defaultNow(),
});
