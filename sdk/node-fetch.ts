import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";

/**
 * A `fetch` for the SDK's calls, on Node's own `http` module over kept-alive connections.
 *
 * Why not the global fetch: every agent call is one small JSON request, and Node's fetch
 * (undici) costs about 0.3 ms more per call than `http.request` on this kind of machine (a
 * loopback round trip of 0.45 ms against 0.13 ms, `npm run bench -- --only latency --profile`
 * shows where a hop's time goes). A chain's every hop waits for one such call.
 *
 * It does what the tRPC links ask of fetch, no more: a string or URL, a method, headers, a
 * string or byte body, an AbortSignal; the answer read whole, with `status`, `headers`,
 * `json()` and `text()`. Anything else (a Request object, a stream body) goes to the global
 * fetch. A connection that fails answers like fetch's: a rejected promise, which the SDK
 * treats as transient (errors.ts).
 */
export function createNodeFetch(options: { now?: () => number } = {}): typeof fetch {
  const now = options.now ?? (() => performance.now());
  // Kept-alive sockets are reused; Node closes them a second before the server's announced
  // keep-alive timeout, so a request does not race the server's close. That close runs on a
  // timer, which a process busy in a blocking call runs late: a socket idle longer than
  // IDLE_REUSE_MS is replaced before use as well (as the Python client does).
  const agents = {
    "http:": idleAware(new http.Agent({ keepAlive: true, scheduling: "lifo" }), now),
    "https:": idleAware(new https.Agent({ keepAlive: true, scheduling: "lifo" }), now),
  };
  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body;
    const plainBody =
      body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
    if (input instanceof Request || !plainBody) return fetch(input, init);
    const url = input instanceof URL ? input : new URL(input);
    if (url.protocol !== "http:" && url.protocol !== "https:") return fetch(input, init);
    const agent = agents[url.protocol];
    dropIdleSockets(agent, now());
    return send(url, init, body ?? undefined, agent);
  };
  return nodeFetch as typeof fetch;
}

/**
 * Node's HTTP server closes a kept-alive connection after 5 s idle, and a request written on it
 * just then is lost: one idle longer than this is not reused.
 */
const IDLE_REUSE_MS = 2_000;

/** When each free socket went back to the pool. */
const freedAt = new WeakMap<Socket, number>();

function idleAware<T extends http.Agent>(agent: T, now: () => number): T {
  agent.on("free", (socket: Socket) => freedAt.set(socket, now()));
  return agent;
}

/**
 * Takes the pool's sockets that have been idle too long to be reused safely out of it, and
 * closes them. Out first: the agent skips a destroyed socket only at the far end of the list
 * from the one it reuses (`lifo`).
 */
function dropIdleSockets(agent: http.Agent, at: number) {
  for (const sockets of Object.values(agent.freeSockets) as Socket[][]) {
    for (let i = sockets.length - 1; i >= 0; i--) {
      const socket = sockets[i] as Socket;
      if (at - (freedAt.get(socket) ?? at) <= IDLE_REUSE_MS) continue;
      sockets.splice(i, 1);
      socket.destroy();
    }
  }
}

/** Requests stuck without an answer this long fail, as fetch's own headers timeout does. */
const ANSWER_TIMEOUT_MS = 300_000;

function send(
  url: URL,
  init: RequestInit,
  body: string | Uint8Array | undefined,
  agent: http.Agent,
  retry = true,
): Promise<Response> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const headers = headerRecord(init.headers);
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: init.method ?? "GET", headers, agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(answer(url, res, Buffer.concat(chunks)));
      });
    });
    function fail(error: Error) {
      signal?.removeEventListener("abort", onAbort);
      if (retry && staleSocket(req, answered, error)) {
        // A query, sent again once on a new connection. A mutation may have been read before
        // the connection broke: the caller decides (the SDK retries what is safe to repeat).
        send(url, init, body, agent, false).then(resolve, reject);
        return;
      }
      reject(new TypeError("fetch failed", { cause: error }));
    }
    function onAbort() {
      req.destroy();
      reject(abortReason(signal as AbortSignal));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error("no answer in time")));
    req.on("error", fail);
    req.end(body);
  });
}

/**
 * A query whose kept-alive connection was closed under it: reset before any answer, on a
 * socket reused from the pool (Node's documentation gives this retry; a query can be repeated).
 */
function staleSocket(req: http.ClientRequest, answered: boolean, error: Error): boolean {
  return (
    req.method === "GET" &&
    req.reusedSocket &&
    !answered &&
    (error as NodeJS.ErrnoException).code === "ECONNRESET"
  );
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  const entries =
    headers instanceof Headers || Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of entries) record[name.toLowerCase()] = value;
  return record;
}

/**
 * The answer, read whole: what the tRPC links read of a Response. Its body can be read more
 * than once, so `clone()` is the answer itself.
 */
function answer(url: URL, res: IncomingMessage, bytes: Buffer): Response {
  const status = res.statusCode ?? 0;
  let headers: Headers | undefined;
  const text = () => bytes.toString("utf8");
  const lite: Record<string, unknown> = {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? "",
    url: url.toString(),
    redirected: false,
    get headers() {
      if (!headers) {
        headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (typeof value === "string") headers.set(name, value);
          else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
        }
      }
      return headers;
    },
    text: async () => text(),
    json: async () => JSON.parse(text()),
    arrayBuffer: async () =>
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    clone: () => lite,
  };
  return lite as unknown as Response;
}
