import { isAgentCall, serveAgentCall } from "./agent-calls-route";
import type { NodeRoute } from "./node-routes";

/**
 * The agents' per-task calls (agent-calls-route.ts), answered by the same tRPC handler as the
 * Next route, without Next's routing in front of it (installed by node-routes.ts).
 * `TM_AGENT_CALLS_VIA_NEXT=1` leaves them to Next (for A/B benchmarks).
 */
export const agentCallsRoute: NodeRoute = {
  name: "agent calls",
  enabled: process.env.TM_AGENT_CALLS_VIA_NEXT !== "1",
  matches: isAgentCall,
  serve: ({ getDb, getDatabaseCircuit, getLogDb }, req, res) =>
    serveAgentCall(getDb(), req, res, { circuit: getDatabaseCircuit(), logDb: getLogDb() }),
};
