/**
 * Next calls register() once per server process, before it serves requests, in every
 * runtime. The scheduler loop and the event listener run in the Node.js runtime only, and not
 * while `next build` loads the app to collect page data (a build must not take the lock).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { routeConsoleToLog } = await import("./server/log/console");
  routeConsoleToLog();
  const { installNodeRoutes } = await import("./server/api/node-routes");
  const { eventStreamRoute } = await import("./server/api/event-stream-install");
  const { agentCallsRoute } = await import("./server/api/agent-calls-install");
  installNodeRoutes([eventStreamRoute, agentCallsRoute]);
  const { startBackgroundServices } = await import("./server/scheduler/start");
  await startBackgroundServices();
}
