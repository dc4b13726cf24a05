import type { Role } from "@/server/auth/roles";
import type { Fixture } from "./procedure-inputs";

/**
 * Each input the hardening review found answered with a 500 carrying drizzle's
 * `Failed query: <SQL> params: <values>`, and each unbounded input it found: the field each
 * must be refused by name (server/api/bad-input.test.ts runs them).
 */

const INT4_OVERFLOW = 2 ** 31;
const lease = (f: Fixture) => ({ agentId: f.agentId, taskId: f.taskId, leaseEpoch: f.leaseEpoch });

export interface BadInput {
  path: string;
  type: "query" | "mutation";
  role: Role;
  input: (f: Fixture) => unknown;
  /** The field the refusal must name, as zod's path joined with dots. */
  field: string;
  /** Part of the message. */
  says: RegExp;
}

const NUL = /NUL character \(U\+0000\)/;
const SURROGATE = /lone surrogate/;

const task = (fields: Record<string, unknown>) => ({ name: "t", ...fields });
const workflowTask = (fields: Record<string, unknown>) => ({
  name: "w",
  tasks: [{ key: "a", name: "a", ...fields }],
});

export const badInputs: Record<string, BadInput> = {
  "NUL in a task name": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ name: "a\u0000b" }),
    field: "name",
    says: NUL,
  },
  "NUL in a task type": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ type: "\u0000" }),
    field: "type",
    says: NUL,
  },
  "NUL in a capability": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ capabilities: ["gpu\u0000"] }),
    field: "capabilities.0",
    says: NUL,
  },
  "NUL in an idempotency key": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ idempotencyKey: "k\u0000" }),
    field: "idempotencyKey",
    says: NUL,
  },
  "NUL in a payload string": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ payload: { a: ["x", "\u0000"] } }),
    field: "payload.a.1",
    says: NUL,
  },
  "NUL in a payload key": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ payload: { "k\u0000": 1 } }),
    field: "payload.k\u0000",
    says: NUL,
  },
  "a lone surrogate in a payload": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ payload: { text: "\ud800" } }),
    field: "payload.text",
    says: SURROGATE,
  },
  "a date PostgreSQL cannot store": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ runAt: "0000-01-01T00:00:00Z" }),
    field: "runAt",
    says: /0001-01-01 and 9999-12-31/,
  },
  "a day not in the calendar": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ runAt: "2025-02-30T00:00:00Z" }),
    field: "runAt",
    says: /Invalid ISO datetime/,
  },
  "NUL in a workflow key": {
    path: "workflows.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => workflowTask({ key: "a\u0000" }),
    field: "tasks.0.key",
    says: NUL,
  },
  "NUL in workflow metadata": {
    path: "workflows.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => ({ ...workflowTask({}), metadata: { note: "\u0000" } }),
    field: "metadata.note",
    says: NUL,
  },
  "NUL in an agent name": {
    path: "agents.register",
    type: "mutation",
    role: "agent",
    input: () => ({ name: "a\u0000", capabilities: [], capacity: {} }),
    field: "name",
    says: NUL,
  },
  "NUL in agent metadata": {
    path: "agents.register",
    type: "mutation",
    role: "agent",
    input: () => ({ name: "a", metadata: { "\u0000": 1 } }),
    field: "metadata.\u0000",
    says: NUL,
  },
  "100,000 capacity keys": {
    path: "agents.register",
    type: "mutation",
    role: "agent",
    input: () => ({
      name: "a",
      capacity: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`r${i}`, 1])),
    }),
    field: "capacity",
    says: /at most 100 keys/,
  },
  "a capacity of 1e308": {
    path: "agents.register",
    type: "mutation",
    role: "agent",
    input: () => ({ name: "a", capacity: { cpu: 1e308 } }),
    field: "capacity.cpu",
    says: /<=1000000000000/,
  },
  "a requirement of 1e308": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ requires: { cpu: 1e308 } }),
    field: "requires.cpu",
    says: /<=1000000000000/,
  },
  "NUL in a resource description": {
    path: "resources.upsert",
    type: "mutation",
    role: "operator",
    input: () => ({ name: "pool_a", scope: "pool", capacity: 1, description: "\u0000" }),
    field: "description",
    says: NUL,
  },
  "NUL in a token name": {
    path: "tokens.create",
    type: "mutation",
    role: "admin",
    input: () => ({ name: "\u0000", role: "viewer" }),
    field: "name",
    says: NUL,
  },
  "NUL in a progress message": {
    path: "tasks.progress",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), step: "s", message: "\u0000" }),
    field: "message",
    says: NUL,
  },
  "NUL in a result": {
    path: "tasks.complete",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), result: "\u0000" }),
    field: "result",
    says: NUL,
  },
  "a lone surrogate in a batch result": {
    path: "tasks.completeMany",
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [{ taskId: f.taskId, leaseEpoch: f.leaseEpoch, result: ["\udc00"] }],
    }),
    field: "items.0.result.0",
    says: SURROGATE,
  },
  "NUL in an error": {
    path: "tasks.fail",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), error: { message: "\u0000" } }),
    field: "error.message",
    says: NUL,
  },
  "NUL in a cancel reason": {
    path: "tasks.cancel",
    type: "mutation",
    role: "orchestrator",
    input: (f) => ({ id: f.taskId, reason: "\u0000" }),
    field: "reason",
    says: NUL,
  },
  "a leaseEpoch above 2^31-1 in progress": {
    path: "tasks.progress",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), leaseEpoch: INT4_OVERFLOW }),
    field: "leaseEpoch",
    says: /<=2147483647/,
  },
  "a leaseEpoch above 2^31-1 in complete": {
    path: "tasks.complete",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), leaseEpoch: INT4_OVERFLOW }),
    field: "leaseEpoch",
    says: /<=2147483647/,
  },
  "a leaseEpoch above 2^31-1 in fail": {
    path: "tasks.fail",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), leaseEpoch: INT4_OVERFLOW, error: "e" }),
    field: "leaseEpoch",
    says: /<=2147483647/,
  },
  "a leaseEpoch above 2^31-1 in completeMany": {
    path: "tasks.completeMany",
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [{ taskId: f.taskId, leaseEpoch: INT4_OVERFLOW }],
    }),
    field: "items.0.leaseEpoch",
    says: /<=2147483647/,
  },
  "a completeMany claiming more than 1,000 tasks": {
    path: "tasks.completeMany",
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [{ taskId: f.taskId, leaseEpoch: f.leaseEpoch }],
      claim: 1_001,
    }),
    field: "claim",
    says: /<=1000/,
  },
  "a leaseEpoch above 2^31-1 in failMany": {
    path: "tasks.failMany",
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [{ taskId: f.taskId, leaseEpoch: INT4_OVERFLOW, error: "e" }],
    }),
    field: "items.0.leaseEpoch",
    says: /<=2147483647/,
  },
  "NUL in a tasks.list filter": {
    path: "tasks.list",
    type: "query",
    role: "viewer",
    input: () => ({ type: "\u0000" }),
    field: "type",
    says: NUL,
  },
  "NUL in a tasks.counts filter": {
    path: "tasks.counts",
    type: "query",
    role: "viewer",
    input: () => ({ text: "a\u0000" }),
    field: "text",
    says: NUL,
  },
  "NUL in a workflows.list filter": {
    path: "workflows.list",
    type: "query",
    role: "viewer",
    input: () => ({ text: "\u0000" }),
    field: "text",
    says: NUL,
  },
  "a malformed tasks.list cursor": {
    path: "tasks.list",
    type: "query",
    role: "viewer",
    input: () => ({ cursor: cursorOf({ at: "2024-13-45T99:99:99.000000Z" }) }),
    field: "cursor",
    says: /not a cursor returned by tasks.list/,
  },
  "an out-of-range tasks.list cursor": {
    path: "tasks.list",
    type: "query",
    role: "viewer",
    input: () => ({ cursor: cursorOf({ at: "0000-01-01T00:00:00.000000Z" }) }),
    field: "cursor",
    says: /not a cursor returned by tasks.list/,
  },
  "an out-of-range workflows.list cursor": {
    path: "workflows.list",
    type: "query",
    role: "viewer",
    input: () => ({ cursor: cursorOf({ at: "0000-01-01T00:00:00.000000Z" }) }),
    field: "cursor",
    says: /not a cursor returned by workflows.list/,
  },
  "a payload nested deeper than the limit": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ payload: nested(65) }),
    field: `payload${".0".repeat(64)}`,
    says: /nested deeper than 64 levels \(the limit, task_manager.limits.json_depth\)/,
  },
  "a payload of 10 MB": {
    path: "tasks.submit",
    type: "mutation",
    role: "orchestrator",
    input: () => task({ payload: { blob: "x".repeat(10_000_000) } }),
    field: "payload",
    says: /larger than 1048576 bytes of JSON \(the limit, task_manager.limits.payload_bytes\)/,
  },
  "a result over the limit": {
    path: "tasks.complete",
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), result: Array.from({ length: 600_000 }, () => 1) }),
    field: "result",
    says: /task_manager.limits.result_bytes/,
  },
};

function cursorOf(fields: { at: string }) {
  const cursor = { id: "00000000-0000-4000-8000-000000000000", ...fields };
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}
