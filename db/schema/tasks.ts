import { sql } from "drizzle-orm";
import {
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { TASK_STATES } from "../../lib/tasks/states";
import { workflows } from "./workflows";

/**
 * docs/architecture.md "Task states". Terminal: succeeded, failed, cancelled. `waiting`: ready, but
 * held for a signal (`wait_signal`); no agent claims it, `tasks.signal` or its timeout ends it.
 * The values are lib/tasks/states.ts's, which client code shares: a new state added there
 * needs a migration (`ALTER TYPE … ADD VALUE`), which the drift check asks for.
 */
export const taskStateEnum = pgEnum("task_state", TASK_STATES);

/** What a dependent does when an upstream task ends badly (failed or cancelled). */
export const triggerRuleEnum = pgEnum("trigger_rule", ["all_success", "all_done"]);

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/** The fair-share group of tasks with neither a workflow nor a submitting token. */
export const NO_GROUP = sql.raw("'00000000-0000-0000-0000-000000000000'::uuid");

/**
 * One limit per key (tasks carry a copy); the row is also what concurrent claims lock to
 * count a key's running tasks one after the other.
 */
export const concurrencyKeys = pgTable("concurrency_keys", {
  key: text("key").primaryKey(),
  limit: integer("limit").notNull(),
  updatedAt: timestamptz("updated_at").notNull().defaultNow(),
});

export const tasks = pgTable(
  "tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workflowId: uuid("workflow_id").references(() => workflows.id, { onDelete: "cascade" }),
    /** The client's key for this task within its workflow submission. */
    key: text("key"),
    /** Set when an agent submitted this task as a subtask of one it runs. */
    parentTaskId: uuid("parent_task_id"),
    name: text("name").notNull(),
    type: text("type").notNull().default("default"),
    payload: jsonb("payload").notNull().default({}),
    state: taskStateEnum("state").notNull(),
    priority: integer("priority").notNull().default(0),
    capabilities: text("capabilities").array().notNull().default(sql`'{}'::text[]`),
    /** `{resource: amount}`: pools and agent-scoped resources acquired by the claim. */
    requires: jsonb("requires").$type<Record<string, number>>().notNull().default({}),
    /** At most `concurrency_limit` tasks with this key run at once (concurrency_keys). */
    concurrencyKey: text("concurrency_key"),
    concurrencyLimit: integer("concurrency_limit"),
    runAt: timestamptz("run_at").notNull().defaultNow(),
    timeoutS: integer("timeout_s"),
    leaseS: integer("lease_s").notNull().default(60),
    maxAttempts: integer("max_attempts").notNull().default(3),
    attempts: integer("attempts").notNull().default(0),
    /** Retry delay: min(backoff_base_s * 2^(attempt-1), backoff_max_s) seconds. */
    backoffBaseS: doublePrecision("backoff_base_s").notNull().default(5),
    backoffMaxS: doublePrecision("backoff_max_s").notNull().default(300),
    triggerRule: triggerRuleEnum("trigger_rule").notNull().default("all_success"),
    idempotencyKey: text("idempotency_key"),
    /** Set on a task a schedule submitted: which schedule, and for which fire time. */
    scheduleId: uuid("schedule_id"),
    scheduleFireAt: timestamptz("schedule_fire_at"),
    /** `waitFor.signal`: once ready, the task waits for this signal instead of being queued. */
    waitSignal: text("wait_signal"),
    waitTimeoutS: integer("wait_timeout_s"),
    /** When it last entered `waiting`. */
    waitingSince: timestamptz("waiting_since"),
    /** When its current wait times out; null when not waiting or waiting without a timeout. */
    waitDeadline: timestamptz("wait_deadline"),
    /**
     * Dependencies not yet finished in a way that lets this task go on. Decremented in the
     * transaction that ends each upstream task, so releasing dependents never scans.
     */
    pendingDeps: integer("pending_deps").notNull().default(0),
    agentId: uuid("agent_id"),
    /**
     * The agent whose last attempt failed, when it was retried: other agents get the retry first
     * (server/tasks/claim.ts, RETRY_ELSEWHERE_S), so one broken agent does not fail it again.
     */
    retryAvoidAgentId: uuid("retry_avoid_agent_id"),
    /** Incremented by every claim: calls carrying an older epoch are fenced off. */
    leaseEpoch: integer("lease_epoch").notNull().default(0),
    leaseExpiresAt: timestamptz("lease_expires_at"),
    progress: doublePrecision("progress"),
    progressStep: text("progress_step"),
    progressMessage: text("progress_message"),
    /**
     * When a progress report last changed the fraction or the step (a message alone, or the same
     * values again, do not count): the task_stalled rule reads it with started_at.
     */
    progressChangedAt: timestamptz("progress_changed_at"),
    result: jsonb("result"),
    error: jsonb("error"),
    cancelReason: text("cancel_reason"),
    createdBy: uuid("created_by"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    /** When the task last became queued: queue-wait metrics and FIFO order within a priority. */
    queuedAt: timestamptz("queued_at"),
    startedAt: timestamptz("started_at"),
    finishedAt: timestamptz("finished_at"),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    // The claim: highest priority first, then first queued. Partial, so it stays small.
    index("tasks_claim_idx")
      .on(t.priority.desc(), t.queuedAt, t.id)
      .where(sql`${t.state} = 'queued'`),
    // Fair share (server/tasks/claim-fair.ts): the claim steps from one group of queued tasks
    // to the next along these, instead of walking one big workflow's backlog.
    index("tasks_claim_workflow_idx")
      .on(
        t.priority.desc(),
        sql`(coalesce(${t.workflowId}, ${t.createdBy}, ${NO_GROUP}))`,
        t.queuedAt,
        t.id,
      )
      .where(sql`${t.state} = 'queued'`),
    index("tasks_claim_submitter_idx")
      .on(t.priority.desc(), sql`(coalesce(${t.createdBy}, ${NO_GROUP}))`, t.queuedAt, t.id)
      .where(sql`${t.state} = 'queued'`),
    // Reservations: the longest-waiting task needing each pool, among tasks that need any.
    index("tasks_claim_requires_idx")
      .on(t.priority.desc(), t.queuedAt, t.id)
      .where(sql`${t.state} = 'queued' and ${t.requires} <> '{}'::jsonb`),
    // Concurrency keys: how many run now, and whether a key still has unfinished tasks.
    index("tasks_concurrency_running_idx")
      .on(t.concurrencyKey)
      .where(sql`${t.state} = 'running' and ${t.concurrencyKey} is not null`),
    index("tasks_concurrency_key_idx")
      .on(t.concurrencyKey)
      .where(sql`${t.concurrencyKey} is not null`),
    // Delayed tasks: the scheduler sleeps until the next run_at.
    index("tasks_run_at_idx").on(t.runAt).where(sql`${t.state} = 'queued'`),
    // The sweep: next lease to expire among running tasks.
    index("tasks_lease_idx").on(t.leaseExpiresAt).where(sql`${t.state} = 'running'`),
    index("tasks_agent_idx").on(t.agentId).where(sql`${t.state} = 'running'`),
    index("tasks_state_created_idx").on(t.state, t.createdAt.desc()),
    // Partial: most tasks have no key, and every index entry costs each state change a write.
    uniqueIndex("tasks_idempotency_key_idx")
      .on(t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    // Metrics over recent outcomes (throughput, durations, failure rate) read by finish time.
    index("tasks_finished_idx").on(t.finishedAt).where(sql`${t.finishedAt} is not null`),
    // The wait_timeout alert rule, every leader pass: its few rows, not the last day's
    // finished tasks (the finish-time index above made it read all of them, 200,000 a day at
    // a busy service's rate).
    index("tasks_wait_timeout_idx")
      .on(t.finishedAt)
      .where(sql`${t.state} = 'failed' and (${t.error} ->> 'code') = 'wait_timeout'`),
    // Also serves lookups by workflow alone (its leading column). Partial: a standalone task
    // (null workflow) is unique by nothing here, and its entry cost every state change a write.
    // Any strict comparison on workflow_id (=, = any, a join) proves the predicate, so every
    // lookup by workflow still uses it (server/workflows/workflow-key-index.test.ts).
    uniqueIndex("tasks_workflow_key_idx")
      .on(t.workflowId, t.key)
      .where(sql`${t.workflowId} is not null`),
    // Overlap policies look for a schedule's unfinished runs. Written with the terminal states:
    // a predicate naming `waiting` could not be built in the migration that adds that value.
    index("tasks_schedule_idx")
      .on(t.scheduleId)
      .where(
        sql`${t.scheduleId} is not null and ${t.state} not in ('succeeded', 'failed', 'cancelled')`,
      ),
    // The timeout sweep: next wait to time out. Cleared when a wait ends, so it stays small.
    index("tasks_wait_deadline_idx").on(t.waitDeadline).where(sql`${t.waitDeadline} is not null`),
  ],
);

/** Edges of the DAG: `task_id` waits for `depends_on_id`. */
export const taskDependencies = pgTable(
  "task_dependencies",
  {
    taskId: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    dependsOnId: uuid("depends_on_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.dependsOnId] }),
    // Releasing dependents walks edges from the finished task.
    index("task_dependencies_upstream_idx").on(t.dependsOnId),
  ],
);

/**
 * The ordered log of everything that happened (docs/architecture.md "Events and live updates"). Written in the same
 * transaction as the change it records; its id orders the live stream and its resumption.
 */
export const taskEvents = pgTable(
  "task_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    taskId: uuid("task_id"),
    workflowId: uuid("workflow_id"),
    agentId: uuid("agent_id"),
    fromState: taskStateEnum("from_state"),
    toState: taskStateEnum("to_state"),
    data: jsonb("data").notNull().default({}),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("task_events_task_idx").on(t.taskId, t.id),
    index("task_events_created_idx").on(t.createdAt),
  ],
);
