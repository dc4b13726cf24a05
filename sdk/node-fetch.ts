import http, { type IncomingMessage } from "node:http";
import https from "node:https";

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
export function createNodeFetch(): typeof fetch {
  // Kept-alive sockets are reused; Node closes them a second before the server's announced
  // keep-alive timeout, so a request does not race the server's close.
  const agents = {
    "http:": new http.Agent({ keepAlive: true, scheduling: "lifo" }),
    "https:": new https.Agent({ keepAlive: true, scheduling: "lifo" }),
  };
  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body;
    const plainBody =
      body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
    if (input instanceof Request || !plainBody) return fetch(input, init);
    const url = input instanceof URL ? input : new URL(input);
    if (url.protocol !== "http:" && url.protocol !== "https:") return fetch(input, init);
    return send(url, init, body ?? undefined, agents[url.protocol]);
  };
  return nodeFetch as typeof fetch;
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
        // Sent again once, on a new connection: the request was never read.
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
 * The server closed a kept-alive connection while this request went out on it: reset before
 * any answer, on a socket reused from the pool. A server closes only an idle connection (one
 * with no request read), so the request was not handled, even a POST: Node's documentation
 * gives this retry. It happens when the caller's process was too busy (a blocking call) to see
 * the close before reusing the socket.
 */
function staleSocket(req: http.ClientRequest, answered: boolean, error: Error): boolean {
  return req.reusedSocket && !answered && (error as NodeJS.ErrnoException).code === "ECONNRESET";
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
