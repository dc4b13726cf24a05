import { describe, expect, it } from "vitest";
import { getConfig } from "@/server/config";
import { INT4_MAX } from "@/server/validation";
import { completeManyInput, readCompleteMany } from "./complete-many";

const agentId = "0b6f1d2e-3c4a-4b5c-8d6e-7f8091a2b3c4";
const taskId = "1c7a2e3f-4d5b-4c6d-9e7f-8091a2b3c4d5";
const item = { taskId, leaseEpoch: 1 };
const deep = (levels: number): unknown => (levels === 0 ? 1 : { a: deep(levels - 1) });

// Inputs the lean path must read exactly as zod parses them.
const taken: Record<string, unknown> = {
  "one item": { agentId, items: [item] },
  "a claim": { agentId, items: [item], claim: 3 },
  "the largest claim": { agentId, items: [item], claim: 1000 },
  "no claim": { agentId, items: [item], claim: 0 },
  "a result": { agentId, items: [{ ...item, result: { rows: [1, "two", null, true] } }] },
  "a null result": { agentId, items: [{ ...item, result: null }] },
  "a string result": { agentId, items: [{ ...item, result: "done" }] },
  "the largest epoch": { agentId, items: [{ ...item, leaseEpoch: INT4_MAX }] },
  "upper-case ids": {
    agentId: agentId.toUpperCase(),
    items: [{ ...item, taskId: taskId.toUpperCase() }],
  },
  "the nil uuid": { agentId: "00000000-0000-0000-0000-000000000000", items: [item] },
  "a thousand items": { agentId, items: Array.from({ length: 1000 }, () => item) },
};

// Inputs zod refuses: the lean path must leave each to it.
const refused: Record<string, unknown> = {
  "not an object": "complete",
  null: null,
  "an array": [{ agentId, items: [item] }],
  "an unknown key": { agentId, items: [item], extra: 1 },
  "a __proto__ key": JSON.parse(`{"agentId":"${agentId}","items":[],"__proto__":{}}`),
  "no agent": { items: [item] },
  "an agent id that is no uuid": { agentId: "agent-1", items: [item] },
  "a uuid of no version": { agentId: "0b6f1d2e-3c4a-0b5c-8d6e-7f8091a2b3c4", items: [item] },
  "no items": { agentId, items: [] },
  "items as an object": { agentId, items: { 0: item } },
  "too many items": { agentId, items: Array.from({ length: 1001 }, () => item) },
  "a claim over 1000": { agentId, items: [item], claim: 1001 },
  "a negative claim": { agentId, items: [item], claim: -1 },
  "a fractional claim": { agentId, items: [item], claim: 1.5 },
  "a claim as text": { agentId, items: [item], claim: "1" },
  "a null claim": { agentId, items: [item], claim: null },
  "a null item": { agentId, items: [null] },
  "an array item": { agentId, items: [[taskId, 1]] },
  "an item's unknown key": { agentId, items: [{ ...item, extra: 1 }] },
  "an item with no task": { agentId, items: [{ leaseEpoch: 1 }] },
  "a task id that is no uuid": { agentId, items: [{ ...item, taskId: "t1" }] },
  "no epoch": { agentId, items: [{ taskId }] },
  "epoch 0": { agentId, items: [{ ...item, leaseEpoch: 0 }] },
  "an epoch past int4": { agentId, items: [{ ...item, leaseEpoch: INT4_MAX + 1 }] },
  "a fractional epoch": { agentId, items: [{ ...item, leaseEpoch: 1.5 }] },
  "an epoch as text": { agentId, items: [{ ...item, leaseEpoch: "1" }] },
  "a result with NUL": { agentId, items: [{ ...item, result: "a\u0000b" }] },
  "a result too deep": {
    agentId,
    items: [{ ...item, result: deep(getConfig().taskManager.limits.jsonDepth + 1) }],
  },
  "a result too large": {
    agentId,
    items: [{ ...item, result: "x".repeat(getConfig().taskManager.limits.resultBytes) }],
  },
  "a bad second item": { agentId, items: [item, { ...item, leaseEpoch: -1 }] },
};

describe("readCompleteMany, tasks.completeMany's lean reading of its input", () => {
  it.each(Object.entries(taken))("reads %s as zod parses it", (_name, input) => {
    const read = readCompleteMany(input);
    expect(read).toBeDefined();
    expect(read).toStrictEqual(completeManyInput.parse(input));
  });

  it.each(Object.entries(refused))("leaves %s to zod, which refuses it", (_name, input) => {
    expect(completeManyInput.safeParse(input).success).toBe(false);
    expect(readCompleteMany(input)).toBeUndefined();
  });
});
