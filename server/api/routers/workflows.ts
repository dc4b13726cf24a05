import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { createTRPCRouter, orchestratorProcedure } from "../trpc";
import { workflowQueryProcedures } from "./task-queries";

export const workflowsRouter = createTRPCRouter({
  ...workflowQueryProcedures,
  /** A whole DAG in one call, atomically; tasks refer to each other by `key`. */
  submit: orchestratorProcedure
    .input(submitWorkflowInput)
    .mutation(({ ctx, input }) =>
      submitWorkflow(ctx.db, input, { tokenId: ctx.principal.tokenId }),
    ),
});
