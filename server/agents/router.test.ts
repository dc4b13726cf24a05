import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { agents } from "@/db/schema/agents";
import { resources } from "@/db/schema/resources";
import { taskEvents } from "@/db/schema/tasks";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();

const newToken = async (role: "admin" | "operator" | "agent" | "viewer") =>
  (await createToken(pg.db, { name: `${role} token`, role })).secret;

async function register(token: string, name: string, capacity: Record<string, number> = {}) {
  return callProcedure<{ id: string }>(pg.db, {
    path: "agents.register",
    type: "mutation",
    input: { name, capabilities: ["python"], capacity },
    token,
  });
}

beforeAll(async () => {
  await pg.db.insert(resources).values([
    { name: "cpu", scope: "agent" },
    { name: "gpu", scope: "pool", capacity: 2 },
  ]);
});

describe("agents over tRPC", () => {
  it("an agent token heartbeats its own agent; another agent token gets 403", async () => {
    const mine = await newToken("agent");
    const someoneElse = await newToken("agent");
    const registered = await register(mine, "owned", { cpu: 4 });
    expect(registered.status).toBe(200);
    const agentId = registered.data.id;

    const beat = (token: string) =>
      callProcedure<{ status: string; leases: unknown[] }>(pg.db, {
        path: "agents.heartbeat",
        type: "mutation",
        input: { agentId },
        token,
      });
    const own = await beat(mine);
    expect(own.status).toBe(200);
    expect(own.data).toEqual({ status: "online", leases: [] });

    const stolen = await beat(someoneElse);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error?.data.code).toBe("FORBIDDEN");

    // An admin may act for any agent.
    expect((await beat(await newToken("admin"))).status).toBe(200);
  });

  it("answers 400 naming the key when the capacity names a pool", async () => {
    const { status, body } = await register(await newToken("agent"), "greedy", { gpu: 1 });
    expect(status).toBe(400);
    expect(body.error?.message).toContain("capacity.gpu");
  });

  it("an operator drains and resumes an agent; list shows it", async () => {
    const { data } = await register(await newToken("agent"), "to-drain", { cpu: 2 });
    const operator = await newToken("operator");
    const act = (path: string) =>
      callProcedure<{ status: string }>(pg.db, {
        path,
        type: "mutation",
        input: { agentId: data.id },
        token: operator,
      });

    expect((await act("agents.drain")).data.status).toBe("draining");
    expect((await act("agents.drain")).data.status).toBe("draining");
    const listed = await callProcedure<{ id: string; status: string; used: object }[]>(pg.db, {
      path: "agents.list",
      type: "query",
      token: await newToken("viewer"),
    });
    expect(listed.data.find((a) => a.id === data.id)).toMatchObject({
      status: "draining",
      capacity: { cpu: 2 },
      used: {},
      runningTasks: 0,
    });
    expect((await act("agents.resume")).data.status).toBe("online");

    const kinds = await pg.db
      .select({ kind: taskEvents.kind })
      .from(taskEvents)
      .where(eq(taskEvents.agentId, data.id));
    // The second drain changed nothing, so it recorded nothing.
    expect(kinds.map((k) => k.kind)).toEqual([
      "agent.registered",
      "agent.draining",
      "agent.resumed",
    ]);
  });

  it("refuses to drain an offline agent", async () => {
    const { data } = await register(await newToken("agent"), "gone");
    await pg.db.update(agents).set({ status: "offline" }).where(eq(agents.id, data.id));
    const { status, body } = await callProcedure(pg.db, {
      path: "agents.drain",
      type: "mutation",
      input: { agentId: data.id },
      token: await newToken("operator"),
    });
    expect(status).toBe(409);
    expect(body.error?.message).toMatch(/offline/);
  });
});
