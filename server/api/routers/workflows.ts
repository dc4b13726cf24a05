import { activeWorkflows, activeWorkflowsInput } from "@/server/tasks/active-workflows";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { createTRPCRouter, orchestratorProcedure, viewerProcedure } from "../trpc";
import { workflowQueryProcedures } from "./task-queries";

export const workflowsRouter = createTRPCRouter({
  ...workflowQueryProcedures,
  /** Workflows with work left, running ones first, each with a small sample of its DAG (wall). */
  active: viewerProcedure
    .input(activeWorkflowsInput)
    .query(({ ctx, input }) => activeWorkflows(ctx.db, input)),
  /** A whole DAG in one call, atomically; tasks refer to each other by `key`. */
  submit: orchestratorProcedure
    .input(submitWorkflowInput)
    .mutation(({ ctx, input }) =>
      submitWorkflow(ctx.db, input, { tokenId: ctx.principal.tokenId }),
    ),
});
