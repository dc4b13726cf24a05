import http, { type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAgentCall, serveAgentCall } from "@/server/api/agent-calls-route";
import { createContext } from "@/server/api/context";
import { answerDirectly } from "@/server/api/direct-call";
import { handleTrpcRequest } from "@/server/api/handler";
import { answerLean } from "@/server/api/lean-calls";
import { createToken, revokeToken } from "@/server/auth/tokens";
import { getConfig } from "@/server/config";
import { createDatabaseCircuit, type DatabaseCircuit } from "@/server/database-circuit";
import { DatabaseUnavailableError } from "@/server/errors";
import { log } from "@/server/log/logger";
import { type ApiFixture, createApiFixture } from "@/test/api-fixture";
import { setupTestDatabase } from "@/test/db";

const pg = setupTestDatabase();
let api: ApiFixture;
let server: http.Server;
let base = "";

beforeAll(async () => {
  api = await createApiFixture(pg);
  // Node's server with the agent-call route in front, as instrumentation.ts installs it; any
  // other request would go to Next, here a 404 saying so.
  server = http.createServer((req, res) => {
    if (isAgentCall(req)) void serveAgentCall(pg.db, req, res);
    else res.writeHead(404).end("next");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

interface Call {
  path: string;
  token?: string;
  body: string;
  contentType?: string;
}

/** Status, content type and body of the call through the agent-call route. */
async function viaRoute(call: Call) {
  const response = await fetch(`${base}/api/trpc/${call.path}`, {
    method: "POST",
    headers: headersFor(call),
    body: call.body,
  });
  return answerOf(response);
}

/** The same call through handleTrpcRequest, which the Next route runs. */
async function viaNextHandler(call: Call, circuit?: DatabaseCircuit) {
  const response = await handleTrpcRequest(
    pg.db,
    new Request(`http://127.0.0.1:3000/api/trpc/${call.path}`, {
      method: "POST",
      headers: { host: "127.0.0.1:3000", ...headersFor(call) },
      body: call.body,
    }),
    circuit,
  );
  return answerOf(response);
}

/** The same call answered by answerDirectly, undefined when it leaves the call to tRPC's adapter. */
async function viaDirectCall(call: Call, circuit?: DatabaseCircuit) {
  const answer = await answerDirectly(
    pg.db,
    {
      path: call.path,
      url: `http://127.0.0.1:3000/api/trpc/${call.path}`,
      headers: new Headers({ host: "127.0.0.1:3000", ...headersFor(call) }),
      body: Buffer.from(call.body),
      signal: new AbortController().signal,
    },
    { circuit },
  );
  if (!answer) return undefined;
  return answerOf(new Response(answer.body, { status: answer.status, headers: answer.headers }));
}

function headersFor({ token, contentType }: Call) {
  return {
    "content-type": contentType ?? "application/json",
    authorization: token ? `Bearer ${token}` : "Bearer -",
  };
}

/** What the two paths must answer alike: status, content type, Retry-After and the body's bytes. */
async function answerOf(response: Response) {
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    retryAfter: response.headers.get("retry-after"),
    body: await response.text(),
  };
}

describe("the agents' calls on Node's own request", () => {
  it("answer exactly as the Next route's handler does: results, refusals, bad input, batches", async () => {
    const stale = { taskId: "", leaseEpoch: 0 };
    const calls = (): Call[] => {
      stale.taskId = api.taskId;
      stale.leaseEpoch = api.leaseEpoch + 7;
      const complete = { agentId: api.agentId, items: [stale] };
      return [
        { path: "tasks.completeMany", token: api.tokens.agent, body: JSON.stringify(complete) },
        {
          path: "agents.claim",
          token: api.tokens.agent,
          body: JSON.stringify({ agentId: api.agentId, max: 1, waitMs: 0 }),
        },
        // A viewer may not; nor may an unknown token; nor a malformed input.
        { path: "tasks.completeMany", token: api.tokens.viewer, body: JSON.stringify(complete) },
        { path: "agents.heartbeat", body: JSON.stringify({ agentId: api.agentId }) },
        {
          path: "tasks.completeMany",
          token: api.tokens.agent,
          body: JSON.stringify({ agentId: "nope", items: [] }),
        },
        { path: "agents.claim", token: api.tokens.agent, body: "{not json" },
        // Batches: each call answered in its place, one refused beside one that succeeds.
        {
          path: "tasks.completeMany,agents.claim?batch=1",
          token: api.tokens.agent,
          body: JSON.stringify({
            0: complete,
            1: { agentId: api.agentId, max: 1, waitMs: 0 },
          }),
        },
        {
          path: "tasks.completeMany,tasks.fail?batch=1",
          token: api.tokens.agent,
          body: JSON.stringify({ 0: complete, 1: { agentId: api.agentId } }),
        },
      ];
    };
    for (const call of calls()) {
      const [route, next] = [await viaRoute(call), await viaNextHandler(call)];
      expect({ path: call.path, ...route }).toEqual({ path: call.path, ...next });
    }
    // The route did answer (not a 404 from "Next").
    expect((await viaRoute(calls()[0] as Call)).status).toBe(200);
  });

  it("answer single calls directly, exactly as the handler does, and leave it the rest", async () => {
    const complete = () => ({
      agentId: api.agentId,
      items: [{ taskId: api.taskId, leaseEpoch: api.leaseEpoch + 7 }],
    });
    const agent = api.tokens.agent;
    const direct: Call[] = [
      { path: "tasks.completeMany", token: agent, body: JSON.stringify(complete()) },
      {
        path: "tasks.completeMany",
        token: agent,
        body: JSON.stringify({ ...complete(), claim: 1 }),
      },
      {
        path: "agents.claim",
        token: agent,
        body: JSON.stringify({ agentId: api.agentId, max: 1, waitMs: 0 }),
      },
      { path: "agents.heartbeat", token: agent, body: JSON.stringify({ agentId: api.agentId }) },
      // completeMany's lean path (lean-calls.ts): a result, an admin standing in, an agent
      // that is not the token's (a domain error), a wrong epoch (zod's error, from the procedure).
      {
        path: "tasks.completeMany",
        token: agent,
        body: JSON.stringify({
          agentId: api.agentId,
          items: [{ taskId: api.taskId, leaseEpoch: api.leaseEpoch + 7, result: { rows: [1] } }],
        }),
      },
      { path: "tasks.completeMany", token: api.tokens.admin, body: JSON.stringify(complete()) },
      {
        path: "tasks.completeMany",
        token: agent,
        body: JSON.stringify({ ...complete(), agentId: "00000000-0000-4000-8000-000000000000" }),
      },
      {
        path: "tasks.completeMany",
        token: agent,
        body: JSON.stringify({ ...complete(), items: [{ taskId: api.taskId, leaseEpoch: 0 }] }),
      },
      // Refusals: the role, the token, the input, an agent that is not there, an odd type.
      { path: "tasks.completeMany", token: api.tokens.viewer, body: JSON.stringify(complete()) },
      { path: "agents.heartbeat", body: JSON.stringify({ agentId: api.agentId }) },
      { path: "tasks.completeMany", token: agent, body: JSON.stringify({ agentId: "nope" }) },
      { path: "tasks.fail", token: agent, body: "[]" },
      {
        path: "agents.heartbeat",
        token: agent,
        body: JSON.stringify({ agentId: "00000000-0000-4000-8000-000000000000" }),
      },
      {
        path: "agents.heartbeat",
        token: agent,
        body: JSON.stringify({ agentId: api.agentId }),
        contentType: "Application/JSON; charset=utf-8",
      },
    ];
    // A lease's expiry is the call's own now() plus the lease.
    const timeless = (answer: Awaited<ReturnType<typeof answerOf>> | undefined) =>
      answer && { ...answer, body: answer.body.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"…"') };
    for (const call of direct) {
      const [answer, next] = [await viaDirectCall(call), await viaNextHandler(call)];
      expect({ call, ...timeless(answer) }).toEqual({ call, ...timeless(next) });
    }
    // Not JSON, empty, another media type, a batch: tRPC's adapter answers those.
    const left: Call[] = [
      { path: "agents.claim", token: agent, body: "{not json" },
      { path: "agents.heartbeat", token: agent, body: "" },
      { path: "agents.heartbeat", token: agent, body: "{}", contentType: "text/plain" },
      { path: "agents.claim,agents.heartbeat?batch=1", token: agent, body: "{}" },
    ];
    for (const call of left) expect(await viaDirectCall(call)).toBeUndefined();
  });

  it("take completeMany's lean path for a call the procedure would let through, and only then", async () => {
    const url = "http://127.0.0.1:3000/api/trpc/tasks.completeMany";
    const contextOf = (token: string) =>
      createContext(pg.db, {
        url,
        headers: new Headers({ host: "127.0.0.1:3000", authorization: `Bearer ${token}` }),
      });
    const input = {
      agentId: api.agentId,
      items: [{ taskId: api.taskId, leaseEpoch: api.leaseEpoch + 7 }],
    };
    const agent = await contextOf(api.tokens.agent);
    const lean = answerLean("tasks.completeMany", agent, input);
    expect(lean).toBeDefined();
    expect(await lean).toMatchObject({ results: [{ taskId: api.taskId, ok: false }], tasks: [] });
    // The procedure's, refusals and all: another procedure, no principal, a role that may not,
    // a cross-site session, an input zod must explain.
    const viewer = await contextOf(api.tokens.viewer);
    const crossSite = {
      ...agent,
      principal: agent.principal && { ...agent.principal, via: "session" as const },
      sameOrigin: false,
    };
    expect(answerLean("tasks.complete", agent, input)).toBeUndefined();
    expect(answerLean("tasks.completeMany", { ...agent, principal: null }, input)).toBeUndefined();
    expect(answerLean("tasks.completeMany", viewer, input)).toBeUndefined();
    expect(answerLean("tasks.completeMany", crossSite, input)).toBeUndefined();
    expect(answerLean("tasks.completeMany", agent, { ...input, claim: -1 })).toBeUndefined();
  });

  it("answer 503 with Retry-After from an open circuit, as the handler does", async () => {
    const circuit = createDatabaseCircuit({
      probe: () => Promise.reject(new Error("still down")),
      log: log.child({ component: "database" }),
      probeIntervalMs: 60_000,
    });
    try {
      circuit.report(new DatabaseUnavailableError());
      const call = {
        path: "agents.heartbeat",
        token: api.tokens.agent,
        body: JSON.stringify({ agentId: api.agentId }),
      };
      const answer = await viaDirectCall(call, circuit);
      expect(answer?.status).toBe(503);
      expect(answer?.retryAfter).toBe("1");
      // The error id differs from call to call; all else is the same.
      const withoutId = (text: string | undefined) =>
        text?.replace(/"errorId":"[0-9a-f-]{36}"/, '"errorId":"…"');
      const next = await viaNextHandler(call, circuit);
      expect({ ...answer, body: withoutId(answer?.body) }).toEqual({
        ...next,
        body: withoutId(next.body),
      });
    } finally {
      circuit.close();
    }
  });

  it("refuses a body over the request limit as the handler does (413, tRPC's error shape)", async () => {
    const limit = getConfig().taskManager.limits.requestBytes;
    const body = JSON.stringify({ agentId: api.agentId, pad: "x".repeat(limit) });
    const call = { path: "agents.heartbeat", token: api.tokens.agent, body };
    const route = await viaRoute(call);
    expect(route.status).toBe(413);
    expect(route).toEqual(await viaNextHandler(call));
  });

  it("refuses a revoked token on the very next call", async () => {
    const { secret, token } = await createToken(pg.db, { name: "to revoke", role: "admin" });
    const call = {
      path: "agents.heartbeat",
      token: secret,
      body: JSON.stringify({ agentId: api.agentId }),
    };
    expect((await viaRoute(call)).status).toBe(200);

    await revokeToken(pg.db, token.id);

    const refused = await viaRoute(call);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.data.code).toBe("UNAUTHORIZED");
  });

  it("takes only bearer POSTs of the agents' calls; everything else goes to Next", () => {
    const request = (url: string, headers: Record<string, string>, method = "POST") =>
      ({ method, url, headers }) as unknown as IncomingMessage;
    const bearer = { authorization: "Bearer x", host: "127.0.0.1:3000" };
    expect(isAgentCall(request("/api/trpc/tasks.completeMany", bearer))).toBe(true);
    expect(isAgentCall(request("/api/trpc/agents.claim,agents.heartbeat?batch=1", bearer))).toBe(
      true,
    );
    const refused: [string, Record<string, string>, string?][] = [
      ["/api/trpc/tasks.completeMany", { host: "127.0.0.1:3000", cookie: "tm_session=x" }],
      ["/api/trpc/tasks.completeMany", bearer, "GET"],
      ["/api/trpc/tasks.list", bearer],
      ["/api/trpc/agents.claim,tokens.create?batch=1", bearer],
      ["/api/trpc/agents.claim,agents.heartbeat", bearer],
      ["/api/trpc/agents.claim?batch=1&x=1", bearer],
      ["/api/trpc/agents%2Eclaim", bearer],
      ["/api/trpc/agents.claim/", bearer],
      ["/api/trpc/events.stream", bearer],
      ["/sign-in", bearer],
      ["/api/trpc/agents.claim", { authorization: "Bearer x", host: "evil/../x" }],
      ["/api/trpc/agents.claim", { authorization: "Bearer x" }],
    ];
    for (const [url, headers, method] of refused)
      expect({ url, method, served: isAgentCall(request(url, headers, method)) }).toEqual({
        url,
        method,
        served: false,
      });
  });
});
