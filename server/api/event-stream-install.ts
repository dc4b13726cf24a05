import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { log } from "@/server/log/logger";
import { EVENT_STREAM_PATH, serveEventStream } from "./event-stream-route";

const installLog = log.child({ component: "event-stream" });
let installed = false;

/**
 * Serves `GET /api/trpc/events.stream` on Node's own request and response, before Next routes
 * it: no Next route kind hands a stream over to the socket (an app route's body goes through a
 * web ReadableStream and Next's pipe, a chain of promises per message per subscriber), and a
 * Pages API route would switch every page's navigation hooks to their nullable Pages types.
 * Called once from instrumentation.ts, before the server takes requests. Every other request,
 * and this path with another method, goes to Next as before.
 * `TM_EVENT_STREAM_VIA_TRPC=1` leaves the stream to tRPC's own producer (for A/B benchmarks).
 */
export function installEventStreamRoute(): void {
  if (installed || process.env.TM_EVENT_STREAM_VIA_TRPC === "1") return;
  installed = true;
  const proto = http.Server.prototype;
  const emit = proto.emit;
  proto.emit = function emitRequest(this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      if (req.method === "GET" && isEventStreamUrl(req.url)) {
        serve(req, res);
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]);
  } as typeof proto.emit;
}

function isEventStreamUrl(url: string | undefined): boolean {
  if (!url?.startsWith(EVENT_STREAM_PATH)) return false;
  const rest = url.charAt(EVENT_STREAM_PATH.length);
  return rest === "" || rest === "?";
}

/** Imported on first use: the database module is not needed until a stream opens. */
let database: Promise<typeof import("@/server/db")> | undefined;

function serve(req: IncomingMessage, res: ServerResponse) {
  database ??= import("@/server/db");
  void database
    .then(({ getDb, getDatabaseCircuit }) =>
      serveEventStream(getDb(), req, res, { circuit: getDatabaseCircuit() }),
    )
    .catch((error: unknown) => {
      installLog.error({ err: error }, "serving an event stream failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      if (!res.destroyed) res.end();
    });
}
