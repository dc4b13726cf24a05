import { z } from "zod";
import { RESOURCE_NAME } from "@/server/resources/name";
import { mapping, positiveNumber, seconds, text, textList } from "./fields";
import { schedulesSchema } from "./schedules-schema";

/**
 * Schema of `task-manager.yaml` (format from the seed's "Configuration" section).
 *
 * The file uses snake_case keys; the parsed `Config` uses the same names in camelCase
 * (`scheduling_interval` -> `schedulingInterval`, `alert_thresholds.task_duration` ->
 * `alertThresholds.taskDuration`). Pool names are data, not keys, and are kept as written.
 * Durations and intervals are in seconds; ratios are fractions (0.8 = 80 %).
 *
 * Every object is strict, so a typo is reported instead of silently falling back to
 * a default. Each `error` text is the expectation only: the error formatter appends
 * what was received.
 */

// A ratio where 0 is meaningless (alert on any usage at all) but 1 is "only when full".
const usageRatio = (fallback: number) => {
  const message = "expected a number greater than 0 and at most 1";
  return z
    .number({ error: message })
    .gt(0, { error: message })
    .lte(1, { error: message })
    .default(fallback);
};

// A rate where 0 is meaningful ("alert on the first failure").
const rate = (fallback: number) => {
  const message = "expected a number from 0 to 1";
  return z
    .number({ error: message })
    .gte(0, { error: message })
    .lte(1, { error: message })
    .default(fallback);
};

const resourceName = z
  .string({ error: "expected a resource name" })
  .regex(RESOURCE_NAME, { error: "expected a name of lowercase letters, digits and _" });

const alertThresholdsSchema = z
  .strictObject(
    {
      task_duration: seconds(3600),
      resource_usage: usageRatio(0.8),
      dependency_wait: seconds(300),
      failure_rate: rate(0.1),
      // A running task whose fraction and step have not changed for this long (its agent
      // still heartbeating) opens task_stalled.
      progress_stall: seconds(600),
    },
    mapping,
  )
  .prefault({})
  .transform((t) => ({
    taskDuration: t.task_duration,
    resourceUsage: t.resource_usage,
    dependencyWait: t.dependency_wait,
    failureRate: t.failure_rate,
    progressStall: t.progress_stall,
  }));

// Agent health (server/agents/quarantine.ts): consecutive failed attempts that quarantine an
// agent while other agents succeed at the same task types.
const agentsSchema = z
  .strictObject(
    {
      quarantine_after_failures: (() => {
        const message = "expected a whole number from 1 to 1000";
        return z
          .number({ error: message })
          .int({ error: message })
          .min(1, { error: message })
          .max(1000, { error: message })
          .default(5);
      })(),
    },
    mapping,
  )
  .prefault({})
  .transform((a) => ({ quarantineAfterFailures: a.quarantine_after_failures }));

// Optional: without it alerts are only shown and streamed, never POSTed anywhere.
const alertWebhookSchema = z
  .strictObject(
    {
      url: z.url({
        protocol: /^https?$/,
        hostname: z.regexes.hostname,
        error: "expected an http or https URL",
      }),
      // One attempt's limit; a slow receiver is retried with backoff, never waited on longer.
      timeout_ms: positiveNumber().default(5000),
    },
    mapping,
  )
  .optional()
  .transform((w) => (w ? { url: w.url, timeoutMs: w.timeout_ms } : null));

// How long the pruning sweep keeps history. Events: task_events and resolved alerts. Samples:
// released allocations, the rows the usage charts are drawn from. Tasks: finished tasks and
// workflow runs (server/tasks/retention.ts).
const retentionSchema = z
  .strictObject(
    {
      events_days: positiveNumber().default(7),
      samples_days: positiveNumber().default(30),
      logs_days: positiveNumber().default(7),
      tasks_days: positiveNumber().default(30),
    },
    mapping,
  )
  .prefault({})
  .transform((r) => ({
    eventsDays: r.events_days,
    samplesDays: r.samples_days,
    logsDays: r.logs_days,
    tasksDays: r.tasks_days,
  }));

const wholeCount = (fallback: number, max: number) => {
  const message = `expected a whole number from 1 to ${max}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(max, { error: message })
    .default(fallback);
};

// Task logs (server/logs/): past either limit an attempt's further lines are dropped and
// counted in one marker line. Bytes are of the lines' messages and fields, as stored.
const logsSchema = z
  .strictObject(
    {
      max_lines_per_attempt: wholeCount(100_000, 100_000_000),
      max_bytes_per_attempt: wholeCount(10 * 1024 * 1024, 1024 * 1024 * 1024 * 64),
    },
    mapping,
  )
  .prefault({})
  .transform((l) => ({
    maxLinesPerAttempt: l.max_lines_per_attempt,
    maxBytesPerAttempt: l.max_bytes_per_attempt,
  }));

// jsonb holds at most 255 MB; a limit above that would only move the refusal to the database.
const MAX_JSON_BYTES = 255 * 1024 * 1024;

const byteLimit = (fallback: number) => {
  const message = `expected a whole number of bytes from 1 to ${MAX_JSON_BYTES}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(MAX_JSON_BYTES, { error: message })
    .default(fallback);
};

// Deep nesting costs stack in every JSON encoder and decoder on the way (ours, postgres.js,
// PostgreSQL's): past a few hundred levels it is an attack, not data.
const depthLimit = (fallback: number) => {
  const message = "expected a whole number from 1 to 512";
  return z
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(512, { error: message })
    .default(fallback);
};

// What one API call may store in a JSON field, as encoded JSON (UTF-8 bytes).
const limitsSchema = z
  .strictObject(
    {
      payload_bytes: byteLimit(1024 * 1024),
      result_bytes: byteLimit(1024 * 1024),
      metadata_bytes: byteLimit(64 * 1024),
      json_depth: depthLimit(64),
      request_bytes: byteLimit(32 * 1024 * 1024),
    },
    mapping,
  )
  .prefault({})
  .transform((l) => ({
    payloadBytes: l.payload_bytes,
    resultBytes: l.result_bytes,
    metadataBytes: l.metadata_bytes,
    jsonDepth: l.json_depth,
    requestBytes: l.request_bytes,
  }));

export const FAIRNESS_MODES = ["fifo", "workflow", "submitter"] as const;

// How claims choose among tasks that could all run (README "Scheduling").
const schedulingSchema = z
  .strictObject(
    {
      // 0 reserves at once; a value above any real wait (31536000) turns reservations off.
      reserve_after_s: z
        .number({ error: "expected a number of seconds >= 0" })
        .min(0, { error: "expected a number of seconds >= 0" })
        .default(30),
      fairness: z
        .enum(FAIRNESS_MODES, { error: `expected one of ${FAIRNESS_MODES.join(", ")}` })
        .default("workflow"),
    },
    mapping,
  )
  .prefault({})
  .transform((s) => ({ reserveAfterS: s.reserve_after_s, fairness: s.fairness }));

// Informational only: the product keeps everything in one PostgreSQL database.
const databasesSchema = z
  .strictObject(
    {
      tasks: text("tasks_db"),
      execution: text("execution_db"),
      monitoring: text("monitoring_db"),
    },
    mapping,
  )
  .prefault({});

const taskManagerSchema = z
  .strictObject(
    {
      id: text("task-manager-1"),
      name: text("TaskManager"),
      capabilities: textList(["task_management", "execution_management", "monitoring"]),
      relationships: textList(["orchestrator", "all_agents"]),
      databases: databasesSchema,
      scheduling_interval: seconds(60),
      monitoring_interval: seconds(300),
      alert_thresholds: alertThresholdsSchema,
      alert_webhook: alertWebhookSchema,
      retention: retentionSchema,
      logs: logsSchema,
      limits: limitsSchema,
      agents: agentsSchema,
      scheduling: schedulingSchema,
    },
    mapping,
  )
  .prefault({})
  .transform((t) => ({
    id: t.id,
    name: t.name,
    capabilities: t.capabilities,
    relationships: t.relationships,
    databases: t.databases,
    schedulingInterval: t.scheduling_interval,
    monitoringInterval: t.monitoring_interval,
    alertThresholds: t.alert_thresholds,
    alertWebhook: t.alert_webhook,
    retention: t.retention,
    logs: t.logs,
    limits: t.limits,
    agents: t.agents,
    scheduling: t.scheduling,
  }));

const poolSchema = z.strictObject(
  {
    capacity: positiveNumber(),
    description: z.string({ error: "expected a string" }).optional(),
  },
  mapping,
);

const resourcesSchema = z
  .strictObject(
    {
      // A shared capacity (licences, API quota, GPU cluster) that claims draw from.
      pools: z.record(resourceName, poolSchema, mapping).default(() => ({})),
      // Resources every agent declares its own amount of at registration.
      agent: z
        .array(resourceName, { error: "expected a list of resource names" })
        .default(() => ["cpu", "memory_gb", "slots"]),
    },
    mapping,
  )
  .prefault({})
  .superRefine((resources, ctx) => {
    // A task's `requires` names resources without a scope, so one name must mean one thing.
    for (const name of Object.keys(resources.pools)) {
      if (resources.agent.includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["pools", name],
          message: "is also listed in resources.agent; a resource is either a pool or agent-scoped",
        });
      }
    }
    const seen = new Set<string>();
    resources.agent.forEach((name, index) => {
      if (seen.has(name)) {
        ctx.addIssue({ code: "custom", path: ["agent", index], message: `duplicate "${name}"` });
      }
      seen.add(name);
    });
  });

export const configSchema = z
  .strictObject(
    { task_manager: taskManagerSchema, resources: resourcesSchema, schedules: schedulesSchema },
    mapping,
  )
  .transform((c) => ({
    taskManager: c.task_manager,
    resources: c.resources,
    schedules: c.schedules,
  }));

/** The file as written (snake_case, every key optional). */
export type ConfigFile = z.input<typeof configSchema>;
/** The validated configuration, defaults applied, camelCase keys. */
export type Config = z.output<typeof configSchema>;
export type TaskManagerConfig = Config["taskManager"];
export type AlertThresholds = TaskManagerConfig["alertThresholds"];
export type AlertWebhookConfig = NonNullable<TaskManagerConfig["alertWebhook"]>;
export type RetentionConfig = TaskManagerConfig["retention"];
export type LimitsConfig = TaskManagerConfig["limits"];
export type AgentsConfig = TaskManagerConfig["agents"];
export type LogsConfig = TaskManagerConfig["logs"];
export type SchedulingConfig = TaskManagerConfig["scheduling"];
export type ResourcesConfig = Config["resources"];
export type PoolConfig = ResourcesConfig["pools"][string];
export type SchedulesConfig = Config["schedules"];
