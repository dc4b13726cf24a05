import type { IncomingMessage } from "node:http";
import { EVENT_STREAM_PATH, serveEventStream } from "./event-stream-route";
import type { NodeRoute } from "./node-routes";

/**
 * `GET /api/trpc/events.stream`, answered on Node's own request and response (node-routes.ts):
 * no Next route kind hands a stream over to the socket (an app route's body goes through a
 * web ReadableStream and Next's pipe, a chain of promises per message per subscriber), and a
 * Pages API route would switch every page's navigation hooks to their nullable Pages types.
 * This path with another method goes to Next as before.
 * `TM_EVENT_STREAM_VIA_TRPC=1` leaves the stream to tRPC's own producer (for A/B benchmarks).
 */
export const eventStreamRoute: NodeRoute = {
  name: "event stream",
  enabled: process.env.TM_EVENT_STREAM_VIA_TRPC !== "1",
  matches: (req: IncomingMessage) => req.method === "GET" && isEventStreamUrl(req.url),
  serve: ({ getDb, getDatabaseCircuit }, req, res) =>
    serveEventStream(getDb(), req, res, { circuit: getDatabaseCircuit() }),
};

function isEventStreamUrl(url: string | undefined): boolean {
  if (!url?.startsWith(EVENT_STREAM_PATH)) return false;
  const rest = url.charAt(EVENT_STREAM_PATH.length);
  return rest === "" || rest === "?";
}
