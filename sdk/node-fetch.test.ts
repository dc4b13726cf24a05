import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeFetch } from "./node-fetch";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: http.Server[] = [];

/** A real HTTP server on 127.0.0.1, recording the socket each request came on. */
async function serve(handler: Handler) {
  const sockets: unknown[] = [];
  const server = http.createServer((req, res) => {
    sockets.push(req.socket);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sockets };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("createNodeFetch", () => {
  it("sends the method, headers and body, and reads the answer as fetch would", async () => {
    const { url } = await serve((req, body, res) => {
      res.writeHead(201, {
        "content-type": "application/json",
        "x-seen": req.headers.authorization,
      });
      res.end(JSON.stringify({ method: req.method, path: req.url, body: JSON.parse(body) }));
    });
    const response = await createNodeFetch()(`${url}/api/trpc/tasks.complete`, {
      method: "POST",
      headers: { Authorization: "Bearer secret", "content-type": "application/json" },
      body: JSON.stringify({ taskId: "ü".repeat(3) }),
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get("x-seen")).toBe("Bearer secret");
    const sent = { method: "POST", path: "/api/trpc/tasks.complete", body: { taskId: "üüü" } };
    expect(await response.clone().json()).toEqual(sent);
    expect(await response.json()).toEqual(sent);
  });

  it("reuses one connection for calls made one after another", async () => {
    const { url, sockets } = await serve((_req, _body, res) => res.end("{}"));
    const nodeFetch = createNodeFetch();
    for (let i = 0; i < 3; i++)
      await (await nodeFetch(`${url}/x`, { method: "POST", body: "{}" })).json();
    expect(sockets).toHaveLength(3);
    expect(new Set(sockets).size).toBe(1);
  });

  it("hands back an error answer with its status, not a rejection", async () => {
    const { url } = await serve((_req, _body, res) => {
      res.writeHead(503, { "retry-after": "1" });
      res.end('{"error":{"message":"down"}}');
    });
    const response = await createNodeFetch()(`${url}/x`, { method: "POST", body: "{}" });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.text()).toBe('{"error":{"message":"down"}}');
  });

  it("sends a query again on a new connection when a kept-alive one was closed under it", async () => {
    const { url, sockets } = await serve((_req, _body, res) => res.end("{}"));
    const nodeFetch = createNodeFetch();
    await (await nodeFetch(`${url}/x`)).json();
    // The server's side of the kept-alive connection goes, as its idle timeout would close it,
    // and the client reuses the socket before it has seen the close.
    const first = sockets[0] as Socket;
    first.resetAndDestroy();
    expect(await (await nodeFetch(`${url}/x?n=2`)).json()).toEqual({});
    expect(sockets).toHaveLength(2);
    expect(sockets[1]).not.toBe(first);
  });

  it("leaves a mutation whose kept-alive connection was closed under it to the caller", async () => {
    const { url, sockets } = await serve((_req, _body, res) => res.end("{}"));
    const nodeFetch = createNodeFetch();
    await (await nodeFetch(`${url}/x`, { method: "POST", body: "{}" })).json();
    (sockets[0] as Socket).resetAndDestroy();
    // It may have been read before the connection broke: sending it again could do it twice.
    await expect(nodeFetch(`${url}/x`, { method: "POST", body: "{}" })).rejects.toThrow(TypeError);
    expect(sockets).toHaveLength(1);
  });

  it("replaces a kept-alive connection idle for longer than 2 s before using it", async () => {
    const { url, sockets } = await serve((_req, _body, res) => res.end("{}"));
    let clock = 0;
    const nodeFetch = createNodeFetch({ now: () => clock });
    const post = async () => (await nodeFetch(`${url}/x`, { method: "POST", body: "{}" })).json();
    await post();
    clock = 2_000;
    await post();
    expect(sockets[1]).toBe(sockets[0]);
    clock = 4_001;
    await post();
    expect(sockets).toHaveLength(3);
    expect(sockets[2]).not.toBe(sockets[1]);
  });

  it("rejects when a fresh connection is reset before the answer", async () => {
    const { url } = await serve((req) => (req.socket as Socket).resetAndDestroy());
    await expect(createNodeFetch()(`${url}/x`, { method: "POST", body: "{}" })).rejects.toThrow(
      TypeError,
    );
  });

  it("rejects when nothing listens, as fetch does", async () => {
    const { url } = await serve(() => {});
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await expect(createNodeFetch()(`${url}/x`, { method: "POST", body: "{}" })).rejects.toThrow(
      TypeError,
    );
  });

  it("cancels a call whose signal aborts, and the server sees it go", async () => {
    let arrived = false;
    let closed = false;
    const { url } = await serve((_req, _body, res) => {
      // Never answers: a long-poll the caller gives up on.
      arrived = true;
      res.once("close", () => {
        closed = true;
      });
    });
    const controller = new AbortController();
    const call = createNodeFetch()(`${url}/x`, {
      method: "POST",
      body: "{}",
      signal: controller.signal,
    });
    await expect.poll(() => arrived).toBe(true);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
    await expect.poll(() => closed).toBe(true);
  });

  it("rejects at once when the signal has already aborted", async () => {
    const { url, sockets } = await serve((_req, _body, res) => res.end("{}"));
    const controller = new AbortController();
    controller.abort();
    await expect(
      createNodeFetch()(`${url}/x`, { method: "POST", signal: controller.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(sockets).toHaveLength(0);
  });
});
