import { z } from "zod";
import { boundedRecord, metadataJson, pgText, resourceAmount } from "@/server/validation";

/**
 * The inputs of the agents' own calls, shared by `agents.*` and the seed-compatible
 * `taskManager.processRequest` (its `execution` params), so both validate alike.
 */
export const agentIdInput = z.object({ agentId: z.uuid() });

export const registerAgentInput = z.object({
  name: pgText().trim().min(1).max(200),
  capabilities: z.array(pgText().trim().min(1).max(200)).max(100).default([]),
  /** `{resource: amount}` of agent-scoped resources; the names are checked against them. */
  capacity: boundedRecord(pgText().min(1).max(100), resourceAmount(), 100).default({}),
  /** At most `limits.metadata_bytes` of JSON. */
  metadata: metadataJson().optional(),
});

export const claimTasksInput = z.strictObject({
  agentId: z.uuid(),
  max: z.number().int().min(1).max(1000).default(1),
  waitMs: z.number().int().min(0).max(60_000).default(0),
});
