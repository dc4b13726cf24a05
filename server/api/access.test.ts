import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import { type Role, roles } from "@/server/auth/roles";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();

/** A lease on nothing: past auth, these calls fail NOT_FOUND, which is what "allowed" means. */
const lease = { agentId: randomUUID(), taskId: randomUUID(), leaseEpoch: 1 };

interface AccessCase {
  type: "query" | "mutation";
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
  "resources.list": { type: "query", allowed: roles },
  "resources.upsert": {
    type: "mutation",
    input: { name: "access_test_pool", scope: "pool", capacity: 2 },
    allowed: ["operator", "admin"],
  },
  "tasks.get": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "tasks.list": { type: "query", input: { state: "queued", limit: 5 }, allowed: roles },
  "tasks.events": { type: "query", input: { taskId: randomUUID() }, allowed: roles },
  "tasks.explain": { type: "query", input: { id: randomUUID() }, allowed: roles },
  "workflows.get": { type: "query", input: { id: randomUUID() }, allowed: roles },
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
  "tasks.cancel": {
    type: "mutation",
    input: { id: randomUUID() },
    allowed: ["orchestrator", "operator", "admin"],
  },
  "tasks.retry": { type: "mutation", input: { id: randomUUID() }, allowed: ["operator", "admin"] },
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

beforeAll(async () => {
  for (const role of roles) {
    const { secret } = await createToken(pg.db, { name: `${role} token`, role });
    tokenByRole.set(role, secret);
  }
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
    callProcedure(pg.db, { path, type: access.type, input: access.input, token });

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
