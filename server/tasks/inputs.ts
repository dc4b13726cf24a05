import { z } from "zod";
import { RESOURCE_NAME } from "@/server/resources/name";
import {
  boundedRecord,
  metadataJson,
  payloadJson,
  pgText,
  pgTimestamp,
  resourceAmount,
} from "@/server/validation";

/**
 * The wire shape of a task, shared by `tasks.submit`, `workflows.submit`, the seed-compatible
 * `taskManager.processRequest` and the SDK. Durations are seconds; `runAt` an ISO timestamp.
 */
const name = pgText().trim().min(1).max(500);
const resourceName = z.string().max(100).regex(RESOURCE_NAME, "lowercase letters, digits and _");
const idempotencyKey = pgText().min(1).max(500);

export const backoffInput = z.strictObject({
  /** First retry delay; each further retry doubles it. */
  baseS: z.number().min(0).max(86_400).default(5),
  maxS: z
    .number()
    .min(0)
    .max(7 * 86_400)
    .default(300),
});

/** A signal's name: short and safe to show in a URL, a log line or a Prometheus label. */
export const signalName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, "a letter, then letters, digits and _ . : -");

/** Longest wait for a signal: 30 days, as for `timeoutS`. */
export const MAX_WAIT_TIMEOUT_S = 30 * 86_400;

export const waitForInput = z.strictObject({
  /** Once its dependencies are done the task waits for this signal instead of being queued. */
  signal: signalName,
  /** Fails the task (reason wait_timeout) when no signal came within this many seconds. */
  timeoutS: z.number().int().positive().max(MAX_WAIT_TIMEOUT_S).optional(),
});

/** At most `limit` tasks with this key run at once; every task with the key gives the same limit. */
export const concurrencyInput = z.strictObject({
  key: pgText().trim().min(1).max(200),
  limit: z.number().int().min(1).max(1_000_000),
});

export const taskSpecInput = z.strictObject({
  name,
  type: pgText().trim().min(1).max(200).default("default"),
  /** At most `limits.payload_bytes` of JSON, nested at most `limits.json_depth` deep. */
  payload: payloadJson().default({}),
  /** Higher runs first. */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  /** Capabilities the claiming agent must all have. */
  capabilities: z.array(pgText().trim().min(1).max(200)).max(100).default([]),
  /** `{resource: amount}`, pools and agent-scoped resources alike. */
  requires: boundedRecord(resourceName, resourceAmount().positive(), 100).default({}),
  /** From 0001-01-01 to 9999-12-31 UTC. */
  runAt: pgTimestamp().optional(),
  timeoutS: z
    .number()
    .int()
    .positive()
    .max(30 * 86_400)
    .optional(),
  /** How long a claim holds the task without progress or heartbeat. */
  leaseS: z.number().int().min(1).max(86_400).default(60),
  maxAttempts: z.number().int().min(1).max(1000).default(3),
  backoff: backoffInput.prefault({}),
  triggerRule: z.enum(["all_success", "all_done"]).default("all_success"),
  /** A gate: no agent runs it; `tasks.signal` (or its timeout) ends it. */
  waitFor: waitForInput.optional(),
  concurrency: concurrencyInput.optional(),
});

export const submitTaskInput = taskSpecInput.extend({
  dependsOn: z.array(z.uuid()).max(10_000).default([]),
  /** Makes the call safe to repeat: the same key returns the existing task. */
  idempotencyKey: idempotencyKey.optional(),
  /** For agents submitting subtasks of a task they run. */
  parentTaskId: z.uuid().optional(),
});

export const workflowTaskInput = taskSpecInput.extend({
  /** The client's name for this task, unique within the workflow. */
  key: pgText().trim().min(1).max(200),
  /** Keys of tasks in the same workflow. */
  dependsOn: z.array(pgText().trim().min(1).max(200)).max(10_000).default([]),
});

export const submitWorkflowInput = z.strictObject({
  name,
  idempotencyKey: idempotencyKey.optional(),
  /** At most `limits.metadata_bytes` of JSON. */
  metadata: metadataJson().default({}),
  tasks: z.array(workflowTaskInput).min(1).max(20_000),
});

export type WaitFor = z.output<typeof waitForInput>;
export type TaskSpec = z.output<typeof taskSpecInput>;
export type SubmitTaskParams = z.output<typeof submitTaskInput>;
export type WorkflowTaskParams = z.output<typeof workflowTaskInput>;
export type SubmitWorkflowParams = z.output<typeof submitWorkflowInput>;
