import { z } from "zod";
import { agentIdInput, claimTasksInput, registerAgentInput } from "@/server/agents/inputs";
import { submitTaskInput, submitWorkflowInput } from "@/server/tasks/inputs";
import { completeTaskInput, failTaskInput, progressTaskInput } from "@/server/tasks/lease-inputs";
import type { Context } from "../context";
import { createCallerFactory, createTRPCRouter, viewerProcedure } from "../trpc";
import { agentsRouter } from "./agents";
import { resourcesRouter } from "./resources";
import { tasksRouter } from "./tasks";
import { workflowsRouter } from "./workflows";

/**
 * The seed's interface (`process_request` with `type` scheduling / execution / monitoring), so
 * an orchestrator written against the seed works unchanged. Every request runs the ordinary
 * procedure through a caller of its own domain router (not the root router, which contains this
 * one) with the same context, so that procedure's role, validation and fencing apply as if it
 * had been called directly, and its answer type is this one's.
 */
const schedulingRequest = z.union([
  z.strictObject({ type: z.literal("scheduling"), task: submitTaskInput }),
  z.strictObject({ type: z.literal("scheduling"), workflow: submitWorkflowInput }),
]);

/**
 * `params` is the input of the procedure the action runs, so a bad one is refused here naming
 * `params.<field>`, and the action's answer type is that procedure's.
 */
function executionRequest<A extends string, P extends z.ZodType>(action: A, params: P) {
  return z.strictObject({ type: z.literal("execution"), action: z.literal(action), params });
}

const executionRequests = z.discriminatedUnion("action", [
  executionRequest("register", registerAgentInput),
  executionRequest("heartbeat", agentIdInput),
  executionRequest("claim", claimTasksInput),
  executionRequest("progress", progressTaskInput),
  executionRequest("complete", completeTaskInput),
  executionRequest("fail", failTaskInput),
]);

const monitoringRequest = z.strictObject({
  type: z.literal("monitoring"),
  taskId: z.uuid().optional(),
  workflowId: z.uuid().optional(),
});

export const processRequestInput = z.union([
  schedulingRequest,
  executionRequests,
  monitoringRequest,
]);

type ProcessRequest = z.output<typeof processRequestInput>;
type ExecutionRequest = Extract<ProcessRequest, { type: "execution" }>;

const callers = {
  agents: createCallerFactory(agentsRouter),
  resources: createCallerFactory(resourcesRouter),
  tasks: createCallerFactory(tasksRouter),
  workflows: createCallerFactory(workflowsRouter),
};

/** The domain routers, called in-process with the request's context and abort signal. */
function domainCallers(ctx: Context, signal: AbortSignal | undefined) {
  return {
    agents: callers.agents(ctx, { signal }),
    resources: callers.resources(ctx, { signal }),
    tasks: callers.tasks(ctx, { signal }),
    workflows: callers.workflows(ctx, { signal }),
  };
}
type DomainCallers = ReturnType<typeof domainCallers>;

/**
 * Action → procedure. The role is the procedure's: `agentProcedure` (agent or admin) for all
 * six; server/api/access.test.ts holds the matrix.
 */
function execute(api: DomainCallers, request: ExecutionRequest) {
  switch (request.action) {
    case "register":
      return api.agents.register(request.params);
    case "heartbeat":
      return api.agents.heartbeat(request.params);
    case "claim":
      return api.agents.claim(request.params);
    case "progress":
      return api.tasks.progress(request.params);
    case "complete":
      return api.tasks.complete(request.params);
    case "fail":
      return api.tasks.fail(request.params);
  }
}

export const taskManagerRouter = createTRPCRouter({
  /**
   * Roles are those of the procedure a request runs: scheduling as `tasks.submit` /
   * `workflows.submit`, execution as the agent procedures, monitoring as the viewers' reads.
   */
  processRequest: viewerProcedure
    .input(processRequestInput)
    .mutation(async ({ ctx, input, signal }) => {
      const api = domainCallers(ctx, signal);
      switch (input.type) {
        case "scheduling":
          return "task" in input
            ? api.tasks.submit(input.task)
            : api.workflows.submit(input.workflow);
        case "execution":
          return execute(api, input);
        case "monitoring":
          if (input.taskId) {
            const [task, explanation] = await Promise.all([
              api.tasks.get({ id: input.taskId }),
              api.tasks.explain({ id: input.taskId }),
            ]);
            return { task, explanation };
          }
          if (input.workflowId)
            return { workflow: await api.workflows.get({ id: input.workflowId }) };
          return { agents: await api.agents.list(), resources: await api.resources.list() };
      }
    }),
});
