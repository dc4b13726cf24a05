import { z } from "zod";

/**
 * The wire shape of a task, shared by `tasks.submit`, `workflows.submit`, the seed-compatible
 * `taskManager.processRequest` and the SDK. Durations are seconds; `runAt` an ISO timestamp.
 */
const name = z.string().trim().min(1).max(500);
const resourceName = z.string().regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and _");

export const backoffInput = z.strictObject({
  /** First retry delay; each further retry doubles it. */
  baseS: z.number().min(0).max(86_400).default(5),
  maxS: z
    .number()
    .min(0)
    .max(7 * 86_400)
    .default(300),
});

export const taskSpecInput = z.strictObject({
  name,
  type: z.string().trim().min(1).max(200).default("default"),
  payload: z.json().default({}),
  /** Higher runs first. */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  /** Capabilities the claiming agent must all have. */
  capabilities: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
  /** `{resource: amount}`, pools and agent-scoped resources alike. */
  requires: z.record(resourceName, z.number().positive().max(1e12)).default({}),
  runAt: z.iso.datetime({ offset: true }).optional(),
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
});

export const submitTaskInput = taskSpecInput.extend({
  dependsOn: z.array(z.uuid()).max(10_000).default([]),
  /** Makes the call safe to repeat: the same key returns the existing task. */
  idempotencyKey: z.string().min(1).max(500).optional(),
  /** For agents submitting subtasks of a task they run. */
  parentTaskId: z.uuid().optional(),
});

export const workflowTaskInput = taskSpecInput.extend({
  /** The client's name for this task, unique within the workflow. */
  key: z.string().trim().min(1).max(200),
  /** Keys of tasks in the same workflow. */
  dependsOn: z.array(z.string().trim().min(1).max(200)).max(10_000).default([]),
});

export const submitWorkflowInput = z.strictObject({
  name,
  idempotencyKey: z.string().min(1).max(500).optional(),
  metadata: z.record(z.string(), z.json()).default({}),
  tasks: z.array(workflowTaskInput).min(1).max(20_000),
});

export type TaskSpec = z.output<typeof taskSpecInput>;
export type SubmitTaskParams = z.output<typeof submitTaskInput>;
export type WorkflowTaskParams = z.output<typeof workflowTaskInput>;
export type SubmitWorkflowParams = z.output<typeof submitWorkflowInput>;
