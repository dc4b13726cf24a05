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
 * The overview's rollup (server/overview/). The sweep leader folds task events into time
 * buckets of each chart step (1 min, 5 min, 1 h: `step_s`), so a chart of any range reads at
 * most ~300 buckets per type whatever the number of tasks. Histograms are arrays of
 * HISTOGRAM_BUCKETS counts on a √2 scale of milliseconds (server/overview/histogram.ts):
 * additive, so p50/p95 come out of the sums.
 */

/** Per step, bucket and task type: what started and ended, and how long it waited and ran. */
export const taskRollup = pgTable(
  "task_rollup",
  {
    stepS: integer("step_s").notNull(),
    /** Start of the bucket: a multiple of the step since the epoch. */
    bucket: timestamptz("bucket").notNull(),
    type: text("type").notNull(),
    started: integer("started").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Queued → claimed, of the claims in this bucket. */
    waitSumMs: doublePrecision("wait_sum_ms").notNull().default(0),
    waitHist: integer("wait_hist").array().notNull(),
    /** Claimed → succeeded or failed, of the tasks that ended in this bucket. */
    runSumMs: doublePrecision("run_sum_ms").notNull().default(0),
    runHist: integer("run_hist").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.stepS, t.bucket, t.type] })],
);

/** Per step, bucket and agent: claims and ends, for "busiest agents". */
export const agentRollup = pgTable(
  "agent_rollup",
  {
    stepS: integer("step_s").notNull(),
    bucket: timestamptz("bucket").notNull(),
    agentId: uuid("agent_id").notNull(),
    started: integer("started").notNull().default(0),
    finished: integer("finished").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.stepS, t.bucket, t.agentId] })],
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
