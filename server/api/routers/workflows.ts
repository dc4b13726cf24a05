import { z } from "zod";
import { activeWorkflows, activeWorkflowsInput } from "@/server/tasks/active-workflows";
import { submitWorkflowInput } from "@/server/tasks/inputs";
import { submitWorkflow } from "@/server/tasks/submit-workflow";
import { pgText } from "@/server/validation";
import { cancelWorkflow } from "@/server/workflows/cancel";
import { pauseWorkflow, resumeWorkflow } from "@/server/workflows/pause";
import { retryWorkflow } from "@/server/workflows/retry";
import { createTRPCRouter, orchestratorProcedure, viewerProcedure } from "../trpc";
import { workflowQueryProcedures } from "./task-queries";

const idInput = z.strictObject({ id: z.uuid() });

/**
 * Whole-workflow operations: orchestrators on the workflows their token submitted (checked in
 * server/workflows/lock.ts), operators and admins on any.
 */
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
  /** Every unfinished task cancelled; running ones lose their lease. */
  cancel: orchestratorProcedure
    .input(
      z.strictObject({
        id: z.uuid(),
        reason: pgText().trim().min(1).max(500).default("workflow cancelled by request"),
      }),
    )
    .mutation(({ ctx, input }) => cancelWorkflow(ctx.db, input.id, input.reason, ctx.principal)),
  /** Failed tasks and the tasks their failure cancelled run again; succeeded ones stay. */
  retry: orchestratorProcedure
    .input(idInput)
    .mutation(({ ctx, input }) => retryWorkflow(ctx.db, input.id, ctx.principal)),
  /** No task of it is claimed until resumed; running ones finish. */
  pause: orchestratorProcedure
    .input(idInput)
    .mutation(({ ctx, input }) => pauseWorkflow(ctx.db, input.id, ctx.principal)),
  resume: orchestratorProcedure
    .input(idInput)
    .mutation(({ ctx, input }) => resumeWorkflow(ctx.db, input.id, ctx.principal)),
});
