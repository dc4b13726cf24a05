import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { log } from "@/server/log/logger";

type DatabaseModule = typeof import("@/server/db");

/** A request answered on Node's own request and response, before Next routes it. */
export interface NodeRoute {
  /** For the log line when serving fails unexpectedly. */
  name: string;
  /** false: leave these requests to Next (the route's A/B switch is set). */
  enabled: boolean;
  matches(req: IncomingMessage): boolean;
  serve(database: DatabaseModule, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const routeLog = log.child({ component: "node-routes" });
let installed = false;

/**
 * Installs `routes` by wrapping `http.Server.prototype.emit`: no Next route kind hands over the
 * socket, and Next's routing costs milliseconds the event stream and the agents' per-task calls
 * cannot spare (docs/architecture.md "A request's path"). A process-wide patch, made once from
 * instrumentation.ts before the server takes requests; a request no route matches goes to Next.
 */
export function installNodeRoutes(routes: readonly NodeRoute[]): void {
  const active = routes.filter((route) => route.enabled);
  if (installed || active.length === 0) return;
  installed = true;
  const proto = http.Server.prototype;
  const emit = proto.emit;
  proto.emit = function emitRequest(this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      const route = active.find((candidate) => candidate.matches(req));
      if (route) {
        serve(route, req, res);
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]);
  } as typeof proto.emit;
}

/** Imported on first use: the database module is not needed until such a request comes. */
let database: Promise<DatabaseModule> | undefined;

function serve(route: NodeRoute, req: IncomingMessage, res: ServerResponse) {
  database ??= import("@/server/db");
  void database
    .then((module) => route.serve(module, req, res))
    .catch((error: unknown) => {
      // Logged under the route's name; the answer carries nothing of it.
      routeLog.error({ err: error, route: route.name }, "serving a request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      if (!res.destroyed) res.end();
    });
}
