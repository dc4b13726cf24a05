import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/** A recurring submission of a task or a workflow (README "Schedules"). */
export const schedules = pgTable(
  "schedules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    /** 5 or 6 fields (croner); exactly one of `cron` and `every_s` is set. */
    cron: text("cron"),
    everyS: integer("every_s"),
    timezone: text("timezone").notNull().default("UTC"),
    /** `task` or `workflow`; `spec` is the parsed submit input, defaults applied. */
    kind: text("kind").$type<"task" | "workflow">().notNull(),
    spec: jsonb("spec").notNull(),
    overlap: text("overlap")
      .$type<"skip" | "allow" | "buffer_one" | "cancel_previous">()
      .notNull()
      .default("skip"),
    catchup: text("catchup").$type<"none" | "latest" | "all">().notNull().default("latest"),
    catchupWindowS: integer("catchup_window_s").notNull().default(3600),
    startAt: timestamptz("start_at"),
    endAt: timestamptz("end_at"),
    paused: boolean("paused").notNull().default(false),
    /** The next fire not yet made; null when the schedule has ended. */
    nextFireAt: timestamptz("next_fire_at"),
    /** `buffer_one`: the fire waiting for the previous run to finish. */
    bufferedFireAt: timestamptz("buffered_fire_at"),
    lastFireAt: timestamptz("last_fire_at"),
    /** `api`, or `config` for entries of task-manager.yaml (reconciled at start). */
    source: text("source").$type<"api" | "config">().notNull().default("api"),
    createdBy: uuid("created_by"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("schedules_next_fire_idx")
      .on(t.nextFireAt)
      .where(sql`not ${t.paused} and ${t.nextFireAt} is not null`),
    index("schedules_buffered_idx")
      .on(t.bufferedFireAt)
      .where(sql`${t.bufferedFireAt} is not null`),
  ],
);

/**
 * One row per fire time made or skipped. The unique key is what makes a fire happen once: the
 * row is written in the transaction that submits the run, so two instances cannot both commit it.
 */
export const scheduleFires = pgTable(
  "schedule_fires",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    scheduleId: uuid("schedule_id")
      .notNull()
      .references(() => schedules.id, { onDelete: "cascade" }),
    fireAt: timestamptz("fire_at").notNull(),
    /** `fired`, or `skipped` with the overlap reason. */
    outcome: text("outcome").$type<"fired" | "skipped">().notNull(),
    reason: text("reason"),
    taskId: uuid("task_id"),
    workflowId: uuid("workflow_id"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("schedule_fires_once_idx").on(t.scheduleId, t.fireAt)],
);
