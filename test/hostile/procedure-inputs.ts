import { randomUUID } from "node:crypto";
import type { Role } from "@/server/auth/roles";
import type { ApiFixture } from "@/test/api-fixture";

/**
 * A valid input for every procedure of the router, the base the hostile-input property test
 * (server/api/hostile-input.test.ts) puts hostile values into. A procedure added to the router
 * needs its entry here: the test fails on one it does not know.
 */

export type Kind = "query" | "mutation" | "subscription";
export type Fixture = Pick<ApiFixture, "agentId" | "taskId" | "leaseEpoch">;
export interface Case {
  type: Kind;
  /** The role that calls it in real life; admin is tried too. */
  role: Role;
  input: (f: Fixture) => unknown;
}

const uuid = () => randomUUID();
const lease = (f: Fixture) => ({ agentId: f.agentId, taskId: f.taskId, leaseEpoch: f.leaseEpoch });

export const procedureInputs: Record<string, Case> = {
  "agents.register": {
    type: "mutation",
    role: "agent",
    input: () => ({ name: "hostile", capabilities: ["x"], capacity: {}, metadata: { a: 1 } }),
  },
  "agents.heartbeat": { type: "mutation", role: "agent", input: (f) => ({ agentId: f.agentId }) },
  "agents.list": { type: "query", role: "viewer", input: () => undefined },
  "agents.get": { type: "query", role: "viewer", input: (f) => ({ agentId: f.agentId }) },
  "agents.release": { type: "mutation", role: "operator", input: () => ({ agentId: uuid() }) },
  "approvals.list": { type: "query", role: "viewer", input: () => ({ limit: 5 }) },
  "approvals.count": { type: "query", role: "viewer", input: () => undefined },
  "agents.drain": { type: "mutation", role: "operator", input: () => ({ agentId: uuid() }) },
  "agents.resume": { type: "mutation", role: "operator", input: () => ({ agentId: uuid() }) },
  "agents.claim": {
    type: "mutation",
    role: "agent",
    input: (f) => ({ agentId: f.agentId, max: 1, waitMs: 0 }),
  },
  "alerts.list": {
    type: "query",
    role: "viewer",
    input: () => ({ state: "firing", rule: "task_duration", cursor: 5, limit: 5 }),
  },
  "alerts.acknowledge": { type: "mutation", role: "operator", input: () => ({ id: 1 }) },
  "alerts.resolve": { type: "mutation", role: "operator", input: () => ({ id: 1 }) },
  "auth.me": { type: "query", role: "viewer", input: () => undefined },
  "events.stream": {
    type: "subscription",
    role: "viewer",
    input: () => ({ kinds: ["task."], taskId: uuid(), lastEventId: "1" }),
  },
  "events.list": {
    type: "query",
    role: "viewer",
    input: () => ({ kinds: ["task."], workflowId: uuid(), afterId: 0, limit: 5 }),
  },
  "metrics.taskCounts": { type: "query", role: "viewer", input: () => undefined },
  "metrics.throughput": { type: "query", role: "viewer", input: () => ({ sinceMinutes: 30 }) },
  "metrics.durations": { type: "query", role: "viewer", input: () => ({ sinceMinutes: 30 }) },
  "metrics.failureRate": { type: "query", role: "viewer", input: () => ({ windowMinutes: 30 }) },
  "metrics.utilisation": { type: "query", role: "viewer", input: () => ({ range: "15m" }) },
  "metrics.agents": { type: "query", role: "viewer", input: () => undefined },
  "metrics.headline": { type: "query", role: "viewer", input: () => undefined },
  "metrics.overview": { type: "query", role: "viewer", input: () => ({ range: "7d" }) },
  "resources.list": { type: "query", role: "viewer", input: () => undefined },
  "resources.scheduling": { type: "query", role: "viewer", input: () => undefined },
  "resources.upsert": {
    type: "mutation",
    role: "operator",
    input: () => ({ name: "hostile_pool", scope: "pool", capacity: 2, description: "d" }),
  },
  "system.info": { type: "query", role: "viewer", input: () => undefined },
  "schedules.create": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({
      name: `hostile-${uuid()}`,
      cron: "*/5 * * * *",
      timezone: "Europe/Paris",
      task: { name: "hostile", payload: { a: 1 }, requires: {}, runAt: "2030-01-01T00:00:00Z" },
      overlap: "skip",
      catchup: "all",
      catchupWindowS: 60,
      startAt: "2030-01-01T00:00:00Z",
      endAt: "2031-01-01T00:00:00Z",
    }),
  },
  "schedules.update": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({ id: uuid(), name: "n", cron: "0 * * * *", timezone: "UTC", endAt: null }),
  },
  "schedules.delete": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "schedules.pause": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "schedules.resume": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "schedules.trigger": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "schedules.get": { type: "query", role: "viewer", input: () => ({ id: uuid() }) },
  "schedules.list": { type: "query", role: "viewer", input: () => ({ limit: 5, afterName: "a" }) },
  "schedules.preview": {
    type: "query",
    role: "viewer",
    input: () => ({ cron: "0 9 * * *", timezone: "UTC", count: 3, after: "2030-01-01T00:00:00Z" }),
  },
  "taskManager.processRequest": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({
      type: "scheduling",
      task: { name: "hostile", payload: { a: 1 }, requires: {}, runAt: "2030-01-01T00:00:00Z" },
    }),
  },
  "tasks.get": { type: "query", role: "viewer", input: (f) => ({ id: f.taskId }) },
  "tasks.list": {
    type: "query",
    role: "viewer",
    input: () => ({
      state: "queued",
      type: "t",
      agentId: uuid(),
      workflowId: uuid(),
      text: "x",
      limit: 5,
    }),
  },
  "tasks.counts": { type: "query", role: "viewer", input: () => ({ type: "t", text: "x" }) },
  "tasks.events": {
    type: "query",
    role: "viewer",
    input: (f) => ({ taskId: f.taskId, afterId: 0, limit: 5 }),
  },
  "tasks.explain": { type: "query", role: "viewer", input: (f) => ({ id: f.taskId }) },
  "tasks.submit": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({
      name: "hostile",
      type: "t",
      payload: { a: [1, "b"] },
      capabilities: ["c"],
      requires: {},
      runAt: "2030-01-01T00:00:00Z",
      idempotencyKey: uuid(),
      dependsOn: [],
    }),
  },
  "tasks.progress": {
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), fraction: 0.5, step: "s", message: "m" }),
  },
  "tasks.complete": {
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), result: { ok: true } }),
  },
  "tasks.completeMany": {
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [{ taskId: f.taskId, leaseEpoch: f.leaseEpoch, result: { ok: 1 } }],
    }),
  },
  "tasks.log": {
    type: "mutation",
    role: "agent",
    input: (f) => ({
      ...lease(f),
      lines: [{ level: "info", message: "m", fields: { k: [1, "v"] }, at: "2030-01-01T00:00:00Z" }],
    }),
  },
  "tasks.logMany": {
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [
        { taskId: f.taskId, leaseEpoch: f.leaseEpoch, lines: [{ level: "warn", message: "m" }] },
      ],
    }),
  },
  "tasks.logs": {
    type: "query",
    role: "viewer",
    input: (f) => ({
      taskId: f.taskId,
      attempt: 1,
      afterSeq: 0,
      limit: 10,
      level: "info",
      text: "m",
    }),
  },
  "tasks.followLog": {
    type: "subscription",
    role: "viewer",
    input: (f) => ({ taskId: f.taskId, lastEventId: "1" }),
  },
  "tasks.fail": {
    type: "mutation",
    role: "agent",
    input: (f) => ({ ...lease(f), error: { message: "e" }, retryable: true }),
  },
  "tasks.failMany": {
    type: "mutation",
    role: "agent",
    input: (f) => ({
      agentId: f.agentId,
      items: [{ taskId: f.taskId, leaseEpoch: f.leaseEpoch, error: "e", retryable: false }],
    }),
  },
  "tasks.requeue": {
    type: "mutation",
    role: "agent",
    input: (f) => ({ agentId: f.agentId, items: [{ taskId: f.taskId, leaseEpoch: f.leaseEpoch }] }),
  },
  "tasks.cancel": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({ id: uuid(), reason: "r" }),
  },
  "tasks.retry": {
    type: "mutation",
    role: "operator",
    input: () => ({ id: uuid(), withDependents: true }),
  },
  "tasks.signal": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({
      taskId: uuid(),
      signal: "approval",
      outcome: "fail",
      payload: { comment: "c" },
      reason: "r",
    }),
  },
  "tasks.setPriority": {
    type: "mutation",
    role: "operator",
    input: () => ({ id: uuid(), priority: 1 }),
  },
  "tokens.create": {
    type: "mutation",
    role: "admin",
    input: () => ({ name: "hostile", role: "viewer", expiresInDays: 1 }),
  },
  "tokens.list": { type: "query", role: "admin", input: () => ({ includeRevoked: true }) },
  "tokens.revoke": { type: "mutation", role: "admin", input: () => ({ id: uuid() }) },
  "workflows.get": { type: "query", role: "viewer", input: () => ({ id: uuid() }) },
  "workflows.run": { type: "query", role: "viewer", input: () => ({ id: uuid() }) },
  "workflows.timeline": { type: "query", role: "viewer", input: () => ({ id: uuid() }) },
  "workflows.cancel": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({ id: uuid(), reason: "r" }),
  },
  "workflows.retry": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "workflows.pause": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "workflows.resume": { type: "mutation", role: "orchestrator", input: () => ({ id: uuid() }) },
  "workflows.list": {
    type: "query",
    role: "viewer",
    input: () => ({
      state: "running",
      text: "x",
      submitter: "s",
      since: "2020-01-01T00:00:00Z",
      until: "2030-01-01T00:00:00Z",
      limit: 5,
    }),
  },
  "workflows.active": {
    type: "query",
    role: "viewer",
    input: () => ({ limit: 2, tasksPerWorkflow: 5 }),
  },
  "workflows.submit": {
    type: "mutation",
    role: "orchestrator",
    input: () => ({
      name: "hostile",
      idempotencyKey: uuid(),
      metadata: { m: 1 },
      tasks: [{ key: "a", name: "a", payload: {}, requires: {}, dependsOn: [] }],
    }),
  },
};
