import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTrpcRequest, TRPC_ENDPOINT } from "@/server/api/handler";
import { appRouter } from "@/server/api/root";
import { type Role, roles } from "@/server/auth/roles";
import { createToken } from "@/server/auth/tokens";
import { createEventHub, type EventHub } from "@/server/events/hub";
import { createEventFeed, type EventFeed, provideEventFeed } from "@/server/events/stream";
import { setupTestDatabase } from "@/test/db";
import { callProcedure, TEST_ORIGIN } from "@/test/trpc-http";

const pg = setupTestDatabase();

/** A lease on nothing: past auth, these calls fail NOT_FOUND, which is what "allowed" means. */
const lease = { agentId: randomUUID(), taskId: randomUUID(), leaseEpoch: 1 };

interface AccessCase {
  /** A subscription is opened as a GET, its status read and its stream cancelled. */
  type: "query" | "mutation" | "subscription";
  input?: unknown;
  allowed: readonly Role[];
}

/**
 * Who may call what. Every procedure of the router must be listed (checked below), so a new
 * procedure cannot ship without someone deciding its roles.
 */
const accessTable: Record<string, AccessCase> = {
  "agents.register": {
    type: "mutation",
    input: { name: "access-test agent", capabilities: ["x"], capacity: {} },
    allowed: ["agent", "admin"],
  },
  "agents.heartbeat": {
    type: "mutation",
    input: { agentId: randomUUID() },
    allowed: ["agent", "admin"],
  },
  "agents.list": { type: "query", allowed: roles },
  "agents.get": { type: "query", input: { agentId: randomUUID() }, allowed: roles },
  "agents.release": {
    type: "mutation",
    input: { agentId: randomUUID() },
    allowed: ["operator", "admin"],
  },
  "agents.drain": {
    type: "mutation",
    input: { agentId: randomUUID() },
    allowed: ["operator", "admin"],
  },
  "agents.resume": {
    type: "mutation",
    input: { agentId: randomUUID() },
    allowed: ["operator", "admin"],
  },
  "alerts.list": { type: "query", input: { state: "firing" }, allowed: roles },
  "alerts.acknowledge": { type: "mutation", input: { id: 1 }, allowed: ["operator", "admin"] },
  "alerts.resolve": { type: "mutation", input: { id: 1 }, allowed: ["operator", "admin"] },
  "resources.list": { type: "query", allowed: roles },
  "resources.scheduling": { type: "query", allowed: roles },
  "resources.upsert": {
    type: "mutation",
    input: { name: "access_test_pool", scope: "pool", capacity: 2 },
    allowed: ["operator", "admin"],
  },
  "metrics.taskCounts": { type: "query", allowed: roles },
  "metrics.throughput": { type: "query", input: { sinceMinutes: 30 }, allowed: roles },
  "metrics.durations": { type: "query", input: { sinceMinutes: 30 }, allowed: roles },
  "metrics.failureRate": { type: "query", input: { windowMinutes: 30 }, allowed: roles },
  "metrics.utilisation": { type: "query", input: { range: "15m" }, allowed: roles },
  "metrics.agents": { type: "query", allowed: roles },
  "metrics.headline": { type: "query", allowed: roles },
  "metrics.overview": { type: "query", input: { range: "15m" }, allowed: roles },
  "events.stream": { type: "subscription", input: { kinds: ["task."] }, allowed: roles },
  "events.list": { type: "query", input: { kinds: ["task."], limit: 5 }, allowed: roles },
  "tasks.get": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "tasks.list": { type: "query", input: { state: "queued", limit: 5 }, allowed: roles },
  "tasks.counts": { type: "query", input: { text: "x" }, allowed: roles },
  "tasks.events": { type: "query", input: { taskId: randomUUID() }, allowed: roles },
  "tasks.explain": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "tasks.logs": { type: "query", input: { taskId: randomUUID(), limit: 5 }, allowed: roles },
  "tasks.followLog": { type: "subscription", input: { taskId: randomUUID() }, allowed: roles },
  "tasks.log": {
    type: "mutation",
    input: { ...lease, lines: [{ level: "info", message: "x" }] },
    allowed: ["agent", "admin"],
  },
  "tasks.logMany": {
    type: "mutation",
    input: {
      agentId: lease.agentId,
      items: [{ taskId: lease.taskId, leaseEpoch: 1, lines: [{ level: "info", message: "x" }] }],
    },
    allowed: ["agent", "admin"],
  },
  "workflows.get": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "workflows.active": { type: "query", input: { limit: 2 }, allowed: roles },
  "workflows.list": { type: "query", input: { limit: 5 }, allowed: roles },
  "workflows.run": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "workflows.timeline": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "agents.claim": {
    type: "mutation",
    input: { agentId: randomUUID() },
    allowed: ["agent", "admin"],
  },
  // Agents may submit too, but only subtasks of a task they run (server/tasks/subtasks.test.ts);
  // without a parentTaskId, as here, they are refused.
  "tasks.submit": {
    type: "mutation",
    input: { name: "access" },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "tasks.progress": { type: "mutation", input: lease, allowed: ["agent", "admin"] },
  "tasks.complete": { type: "mutation", input: lease, allowed: ["agent", "admin"] },
  "tasks.completeMany": {
    type: "mutation",
    input: { agentId: lease.agentId, items: [{ taskId: lease.taskId, leaseEpoch: 1 }] },
    allowed: ["agent", "admin"],
  },
  "tasks.fail": { type: "mutation", input: { ...lease, error: "x" }, allowed: ["agent", "admin"] },
  "tasks.failMany": {
    type: "mutation",
    input: { agentId: lease.agentId, items: [{ taskId: lease.taskId, leaseEpoch: 1, error: "x" }] },
    allowed: ["agent", "admin"],
  },
  "tasks.requeue": {
    type: "mutation",
    input: { agentId: lease.agentId, items: [{ taskId: lease.taskId, leaseEpoch: 1 }] },
    allowed: ["agent", "admin"],
  },
  "tasks.cancel": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "tasks.retry": { type: "mutation", input: { id: randomUUID() }, allowed: ["operator", "admin"] },
  // Agents too, but only in a workflow in which they run a task (server/tasks/signal.test.ts);
  // a task outside any of theirs, as here, is refused.
  "tasks.signal": {
    type: "mutation",
    input: { taskId: randomUUID(), signal: "approval" },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "tasks.setPriority": {
    type: "mutation",
    input: { id: randomUUID(), priority: 1 },
    allowed: ["operator", "admin"],
  },
  // Dispatches to the procedures above, which apply their own roles (task-manager.test.ts).
  "taskManager.processRequest": { type: "mutation", input: { type: "monitoring" }, allowed: roles },
  "workflows.submit": {
    type: "mutation",
    input: { name: "access", tasks: [{ key: "a", name: "a" }] },
    allowed: ["orchestrator", "operator", "admin"],
  },
  // Orchestrators only on their own workflows (server/workflows/operations-http.test.ts).
  "workflows.cancel": {
    type: "mutation",
    input: { id: randomUUID(), reason: "access" },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "workflows.retry": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "workflows.pause": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "workflows.resume": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  // Orchestrators only on the schedules their token created (server/schedules/manage.test.ts).
  "schedules.create": {
    type: "mutation",
    input: { name: "access", everyS: 3600, task: { name: "access" } },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "schedules.update": {
    type: "mutation",
    input: { id: randomUUID(), everyS: 60 },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "schedules.delete": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "schedules.pause": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "schedules.resume": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "schedules.trigger": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "schedules.get": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "schedules.list": { type: "query", allowed: roles },
  "schedules.preview": {
    type: "query",
    input: { cron: "0 9 * * 1-5", timezone: "Europe/Paris", count: 3 },
    allowed: roles,
  },
  "approvals.list": { type: "query", input: { limit: 5 }, allowed: roles },
  "approvals.count": { type: "query", allowed: roles },
  "auth.me": { type: "query", allowed: roles },
  "system.info": { type: "query", allowed: roles },
  "tokens.create": {
    type: "mutation",
    input: { name: "made by test", role: "viewer" },
    allowed: ["admin"],
  },
  "tokens.list": { type: "query", allowed: ["admin"] },
  "tokens.revoke": { type: "mutation", input: { id: randomUUID() }, allowed: ["admin"] },
};

const tokenByRole = new Map<Role, string>();
// events.stream reads through a feed; the process hub would listen on DATABASE_URL instead.
let events: { hub: EventHub; feed: EventFeed } | undefined;

beforeAll(async () => {
  const hub = createEventHub(pg.url);
  events = { hub, feed: createEventFeed({ db: pg.db, hub }) };
  provideEventFeed(pg.db, events.feed);
  for (const role of roles) {
    const { secret } = await createToken(pg.db, { name: `${role} token`, role });
    tokenByRole.set(role, secret);
  }
});

afterAll(async () => {
  events?.feed.close();
  await events?.hub.close();
});

function tokenFor(role: Role): string {
  const token = tokenByRole.get(role);
  if (!token) throw new Error(`no token for ${role}`);
  return token;
}

it("lists every procedure of the router", () => {
  expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(accessTable).sort());
});

describe.each(Object.entries(accessTable))("%s", (path, access) => {
  const call = (token?: string) =>
    access.type === "subscription"
      ? openSubscription(path, access.input, token)
      : callProcedure(pg.db, { path, type: access.type, input: access.input, token });

  it("answers 401 without a token", async () => {
    expect((await call()).status).toBe(401);
  });

  it("answers 401 with an unknown token", async () => {
    expect((await call("tm_not-a-real-token")).status).toBe(401);
  });

  it.each(roles)("as %s", async (role) => {
    const { status, body } = await call(tokenFor(role));
    if (access.allowed.includes(role)) {
      // Allowed means past auth: the procedure may still answer e.g. 404 for a made-up id.
      expect(status, JSON.stringify(body)).not.toBe(401);
      expect(status, JSON.stringify(body)).not.toBe(403);
    } else {
      expect(status).toBe(403);
      expect(body.error?.data.code).toBe("FORBIDDEN");
    }
  });
});

/**
 * Opens a subscription as an EventSource would (GET, `?input=`) and cancels it once the status
 * is known. Refusals come in the body's `serialized-error` event: read up to it.
 */
async function openSubscription(path: string, input: unknown, token?: string) {
  const url = new URL(`${TRPC_ENDPOINT}/${path}`, TEST_ORIGIN);
  if (input !== undefined) url.searchParams.set("input", JSON.stringify(input));
  const headers = new Headers({ host: url.host, accept: "text/event-stream" });
  if (token) headers.set("authorization", `Bearer ${token}`);
  const response = await handleTrpcRequest(pg.db, new Request(url, { headers }));
  let body: { error?: { message: string; data: { code: string; httpStatus: number } } } = {};
  if (response.status !== 200) body = await refusal(response);
  else await response.body?.cancel();
  return { status: response.status, body };
}

async function refusal(response: Response) {
  const text = await response.text();
  const data = /event: serialized-error\ndata: (.*)\n/.exec(text)?.[1];
  return data ? { error: JSON.parse(data) } : {};
}
