import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/caller";
import { createContext } from "@/server/api/context";
import { TRPC_ENDPOINT } from "@/server/api/handler";
import { revokeToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { claimOnly, makeAgent, parentAndChild, stateOf } from "@/test/engine";
import { callProcedure, TEST_ORIGIN } from "@/test/trpc-http";

const pg = setupTestDatabase();

afterEach(() => {
  delete process.env.TM_ONE_TRIP_COMPLETION;
});

/** An agent whose token a call has just looked up (so its principal is remembered), running a parent. */
async function agentRunningParent() {
  const capability = `live-${Math.random().toString(36).slice(2, 8)}`;
  const agent = await makeAgent(pg.db, { capabilities: [capability] });
  const { parent, child } = await parentAndChild(pg.db, capability);
  const lease = await claimOnly(pg.db, agent.agentId, parent);
  const heartbeat = await callProcedure(pg.db, {
    path: "agents.heartbeat",
    type: "mutation",
    token: agent.token,
    input: { agentId: agent.agentId },
  });
  expect(heartbeat.status).toBe(200);
  return { agent, parent, child, leaseEpoch: lease.leaseEpoch };
}

const completeMany = (token: string, agentId: string, taskId: string, leaseEpoch: number) =>
  callProcedure<{ results: { ok: boolean }[]; tasks: { id: string }[] }>(pg.db, {
    path: "tasks.completeMany",
    type: "mutation",
    token,
    input: { agentId, items: [{ taskId, leaseEpoch }], claim: 1 },
  });

/** Revoked as another instance would: this process is not told (no forgetting its principal). */
const revokeElsewhere = (tokenId: string) =>
  pg.db.execute(sql`update api_tokens set revoked_at = now() where id = ${tokenId}`);

const request = (path: string, token: string) =>
  new Request(new URL(`${TRPC_ENDPOINT}/${path}`, TEST_ORIGIN), {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });

async function succeededEvents(taskId: string) {
  const rows = await pg.db.execute(
    sql`select 1 from task_events where task_id = ${taskId} and kind = 'task.succeeded'`,
  );
  return rows.length;
}

describe("a completion on a remembered principal", () => {
  it("is the only call that skips its token lookup, and completes and claims on it", async () => {
    const { agent, parent, child, leaseEpoch } = await agentRunningParent();

    for (const path of ["tasks.completeMany", "tasks.completeMany,tasks.completeMany"]) {
      const context = await createContext(pg.db, request(`${path}?batch=1`, agent.token));
      expect(context.liveness?.tokenId).toBe(agent.tokenId);
      expect(context.principal?.tokenId).toBe(agent.tokenId);
    }
    for (const path of ["tasks.complete", "agents.claim", "tasks.completeMany,agents.claim"]) {
      const context = await createContext(pg.db, request(path, agent.token));
      expect(context.liveness).toBeUndefined();
      expect(context.principal?.tokenId).toBe(agent.tokenId);
    }

    const done = await completeMany(agent.token, agent.agentId, parent, leaseEpoch);
    expect(done.status).toBe(200);
    expect(done.data.results).toEqual([{ taskId: parent, ok: true }]);
    expect(done.data.tasks.map((task) => task.id)).toEqual([child]);
  });

  for (const mode of ["one round trip", "a transaction per statement"] as const) {
    it(`answers 401 and changes nothing once the token was revoked elsewhere (${mode})`, async () => {
      if (mode === "a transaction per statement") process.env.TM_ONE_TRIP_COMPLETION = "0";
      const { agent, parent, child, leaseEpoch } = await agentRunningParent();
      await revokeElsewhere(agent.tokenId);

      const refused = await completeMany(agent.token, agent.agentId, parent, leaseEpoch);

      expect(refused.status).toBe(401);
      expect(refused.body.error?.message).toBe("a valid token or session is required");
      expect(await stateOf(pg.db, parent)).toBe("running");
      expect(await stateOf(pg.db, child)).toBe("blocked");
      expect(await succeededEvents(parent)).toBe(0);
    });
  }

  it("answers 401 and changes nothing once the token expired", async () => {
    const { agent, parent, leaseEpoch } = await agentRunningParent();
    await pg.db.execute(
      sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${agent.tokenId}`,
    );

    const refused = await completeMany(agent.token, agent.agentId, parent, leaseEpoch);

    expect(refused.status).toBe(401);
    expect(await stateOf(pg.db, parent)).toBe("running");
    expect(await succeededEvents(parent)).toBe(0);
  });

  it("looks the token up for any other procedure the context reaches", async () => {
    const { agent } = await agentRunningParent();
    const context = await createContext(pg.db, request("tasks.completeMany", agent.token));
    expect(context.liveness).toBeDefined();
    await revokeElsewhere(agent.tokenId);

    await expect(
      createCaller(context).agents.heartbeat({ agentId: agent.agentId }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("is forgotten when this process revokes the token", async () => {
    const { agent } = await agentRunningParent();
    await revokeToken(pg.db, agent.tokenId);

    const context = await createContext(pg.db, request("tasks.completeMany", agent.token));

    expect(context.liveness).toBeUndefined();
    expect(context.principal).toBeNull();
  });
});
