import type { IncomingMessage, ServerResponse } from "node:http";
import type { Database } from "@/db/client";
import { getConfig } from "@/server/config";
import type { DatabaseCircuit } from "@/server/database-circuit";
import { answerDirectly } from "./direct-call";
import { handleTrpcRequest, TRPC_ENDPOINT } from "./handler";

/**
 * The agents' per-task calls: every hop of a pipeline makes one or two of them. Served on
 * Node's own request (agent-calls-install.ts) instead of through Next's routing, which cost a
 * hop ~4 ms at the 50th percentile (docs/architecture.md "A request's path").
 */
export const AGENT_CALLS: ReadonlySet<string> = new Set([
  "agents.claim",
  "agents.heartbeat",
  "tasks.completeMany",
  "tasks.complete",
  "tasks.failMany",
  "tasks.fail",
  "tasks.progress",
]);

const PREFIX = `${TRPC_ENDPOINT}/`;

/** `TM_DIRECT_AGENT_CALLS=0`: every agent call through tRPC's fetch adapter (A/B benchmarks). */
const directCalls = process.env.TM_DIRECT_AGENT_CALLS !== "0";

/**
 * Whether a request is one of the agents' calls as a bearer-token client sends it: a POST
 * (mutations) to one procedure, or a batch (`?batch=1`) of them only, with an Authorization
 * header and a plain Host. Anything else — a page, another procedure, a percent-encoded or
 * odd path, a cookie-only caller (whose CSRF check reads the origin as Next forwards it) —
 * is Next's, as before.
 */
export function isAgentCall(req: IncomingMessage): boolean {
  if (req.method !== "POST" || typeof req.headers.authorization !== "string") return false;
  const host = req.headers.host;
  if (
    typeof host !== "string" ||
    !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
  )
    return false;
  const url = req.url ?? "";
  if (!url.startsWith(PREFIX)) return false;
  const query = url.indexOf("?");
  const path = url.slice(PREFIX.length, query === -1 ? undefined : query);
  const search = query === -1 ? "" : url.slice(query);
  if (search !== "" && search !== "?batch=1") return false;
  const names = path.split(",");
  if (names.length > 1 && search !== "?batch=1") return false;
  return names.every((name) => AGENT_CALLS.has(name));
}

/**
 * Answers one agent call as the Next route would (the request size limit, auth, roles, router,
 * error formatting). A single call with a JSON body is answered directly (direct-call.ts);
 * anything else (a batch, a body over the limit, one that is not JSON) by the very handler the
 * Next route runs, converting Node's request to a fetch Request and the Response back. The body
 * is read here under the same byte limit: a larger one reaches the handler cut at limit + 1
 * bytes, which it refuses (413) as it refuses any body over the limit.
 */
export async function serveAgentCall(
  db: Database,
  req: IncomingMessage,
  res: ServerResponse,
  options: { circuit?: DatabaseCircuit; logDb?: Database } = {},
): Promise<void> {
  const controller = new AbortController();
  // A long-polling claim ends when its client leaves, as under Next (the procedure's signal).
  // Only then: an abort after every answer would build an AbortError (with its stack) for
  // nothing.
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const limit = getConfig().taskManager.limits.requestBytes;
  const body = await readBody(req, limit + 1);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const url = `http://${req.headers.host}${req.url}`;
  const path = (req.url ?? "").slice(PREFIX.length);
  const direct =
    directCalls && !path.includes("?") && body.byteLength <= limit
      ? await answerDirectly(db, { path, url, headers, body, signal: controller.signal }, options)
      : undefined;
  const answer = direct ?? (await viaFetchHandler(db, url, headers, body, controller, options));
  if (res.destroyed) return;
  const payload = typeof answer.body === "string" ? Buffer.from(answer.body) : answer.body;
  res.writeHead(answer.status, { ...answer.headers, "content-length": String(payload.byteLength) });
  res.end(payload);
}

/** The call through handleTrpcRequest, the Next route's handler. */
async function viaFetchHandler(
  db: Database,
  url: string,
  headers: Headers,
  body: Buffer,
  controller: AbortController,
  options: { circuit?: DatabaseCircuit; logDb?: Database },
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  const request = new Request(url, {
    method: "POST",
    headers,
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>,
    signal: controller.signal,
  });
  const response = await handleTrpcRequest(db, request, options.circuit, options.logDb);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) out[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * The body, at most `max` bytes of it. The rest is left unread (Node discards it once the
 * answer, a 413, is sent); a declared length over the limit is refused without reading.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared >= max) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData).off("end", done).off("error", reject);
      const whole = Buffer.concat(chunks);
      resolve(whole.byteLength > max ? whole.subarray(0, max) : whole);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= max) {
        req.pause();
        done();
      }
    };
    req.on("data", onData).on("end", done).on("error", reject);
  });
}
