import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { log } from "@/server/log/logger";
import { isAgentCall, serveAgentCall } from "./agent-calls-route";

const installLog = log.child({ component: "agent-calls" });
let installed = false;

/**
 * Serves the agents' per-task calls (agent-calls-route.ts) on Node's own request and
 * response, before Next routes them, as event-stream-install.ts does for the event stream:
 * the same tRPC handler answers, without Next's routing in front of it. Called once from
 * instrumentation.ts, before the server takes requests; every other request goes to Next.
 * `TM_AGENT_CALLS_VIA_NEXT=1` leaves them to Next (for A/B benchmarks).
 */
export function installAgentCallsRoute(): void {
  if (installed || process.env.TM_AGENT_CALLS_VIA_NEXT === "1") return;
  installed = true;
  const proto = http.Server.prototype;
  const emit = proto.emit;
  proto.emit = function emitRequest(this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      if (isAgentCall(req)) {
        serve(req, res);
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]);
  } as typeof proto.emit;
}

/** Imported on first use: the database module is not needed until an agent calls. */
let database: Promise<typeof import("@/server/db")> | undefined;

function serve(req: IncomingMessage, res: ServerResponse) {
  database ??= import("@/server/db");
  void database
    .then(({ getDb, getDatabaseCircuit, getLogDb }) =>
      serveAgentCall(getDb(), req, res, { circuit: getDatabaseCircuit(), logDb: getLogDb() }),
    )
    .catch((error: unknown) => {
      installLog.error({ err: error }, "serving an agent call failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      if (!res.destroyed) res.end();
    });
}
