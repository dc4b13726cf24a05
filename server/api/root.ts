import { agentsRouter } from "./routers/agents";
import { alertsRouter } from "./routers/alerts";
import { approvalsRouter } from "./routers/approvals";
import { authRouter } from "./routers/auth";
import { eventsRouter } from "./routers/events";
import { metricsRouter } from "./routers/metrics";
import { resourcesRouter } from "./routers/resources";
import { schedulesRouter } from "./routers/schedules";
import { systemRouter } from "./routers/system";
import { taskManagerRouter } from "./routers/task-manager";
import { tasksRouter } from "./routers/tasks";
import { tokensRouter } from "./routers/tokens";
import { workflowsRouter } from "./routers/workflows";
import { createTRPCRouter } from "./trpc";

/** Every router, by domain (docs/architecture.md "API"). */
export const appRouter = createTRPCRouter({
  agents: agentsRouter,
  alerts: alertsRouter,
  approvals: approvalsRouter,
  auth: authRouter,
  events: eventsRouter,
  metrics: metricsRouter,
  resources: resourcesRouter,
  schedules: schedulesRouter,
  system: systemRouter,
  taskManager: taskManagerRouter,
  tasks: tasksRouter,
  tokens: tokensRouter,
  workflows: workflowsRouter,
});

export type AppRouter = typeof appRouter;
