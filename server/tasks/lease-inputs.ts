import { z } from "zod";
import { int4, pgText, resultJson } from "@/server/validation";

/**
 * The inputs of an agent's calls about a task it holds, shared by `tasks.*` and the
 * seed-compatible `taskManager.processRequest` (its `execution` params).
 */

// An integer column: a larger epoch cannot be a lease anyone holds.
export const leaseEpoch = int4().min(1);
const lease = { agentId: z.uuid(), taskId: z.uuid(), leaseEpoch };
/** At most `limits.result_bytes` of JSON, like the error of a failure. */
export const taskResult = resultJson();

export const progressTaskInput = z.strictObject({
  ...lease,
  fraction: z.number().min(0).max(1).optional(),
  step: pgText().max(500).optional(),
  message: pgText().max(10_000).optional(),
});

export const completeTaskInput = z.strictObject({ ...lease, result: taskResult.optional() });

export const failTaskInput = z.strictObject({
  ...lease,
  error: taskResult,
  retryable: z.boolean().default(true),
});
