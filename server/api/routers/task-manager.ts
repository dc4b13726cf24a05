import { z } from "zod";
import { submitTaskInput, submitWorkflowInput } from "@/server/tasks/inputs";
import { createTRPCRouter, viewerProcedure } from "../trpc";

/**
 * The seed's interface (`process_request` with `type` scheduling / execution / monitoring), so
 * an orchestrator written against the seed works unchanged. Every request is dispatched to the
 * ordinary procedure through a server-side caller with the same context, so the same roles,
 * validation and fencing apply as if that procedure had been called directly.
 */
const schedulingRequest = z.union([
  z.strictObject({ type: z.literal("scheduling"), task: submitTaskInput }),
  z.strictObject({ type: z.literal("scheduling"), workflow: submitWorkflowInput }),
]);

const executionActions = [
  "register",
  "heartbeat",
  "claim",
  "progress",
  "complete",
  "fail",
] as const;
const executionRequest = z.strictObject({
  type: z.literal("execution"),
  action: z.enum(executionActions),
  /** The input of the matching agents.* / tasks.* procedure, validated there. */
  params: z.record(z.string(), z.unknown()).default({}),
});

const monitoringRequest = z.strictObject({
  type: z.literal("monitoring"),
  taskId: z.uuid().optional(),
  workflowId: z.uuid().optional(),
});

export const processRequestInput = z.union([
  schedulingRequest,
  executionRequest,
  monitoringRequest,
]);

export const taskManagerRouter = createTRPCRouter({
  // The answer is typed `unknown` on purpose: inferring it from the caller would make this
  // router's type depend on the root router that contains it, a cycle TypeScript resolves to any.
  processRequest: viewerProcedure
    .input(processRequestInput)
    .mutation(async ({ ctx, input }): Promise<unknown> => {
      // Imported here: the root router includes this one.
      const { createCaller } = await import("../caller");
      const api = createCaller(ctx);
      switch (input.type) {
        case "scheduling":
          return "task" in input
            ? api.tasks.submit(input.task)
            : api.workflows.submit(input.workflow);
        case "execution": {
          const params = input.params as never;
          const actions = {
            register: () => api.agents.register(params),
            heartbeat: () => api.agents.heartbeat(params),
            claim: () => api.agents.claim(params),
            progress: () => api.tasks.progress(params),
            complete: () => api.tasks.complete(params),
            fail: () => api.tasks.fail(params),
          };
          return actions[input.action]();
        }
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
