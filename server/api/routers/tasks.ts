import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { FencedOutcome } from "@/server/tasks/fencing";
import { completeTasks, failTasks, requeueTasks } from "@/server/tasks/finish";
import { submitTaskInput } from "@/server/tasks/inputs";
import {
  completeTaskInput,
  failTaskInput,
  leaseEpoch,
  progressTaskInput,
  taskResult,
} from "@/server/tasks/lease-inputs";
import { cancelTask, retryTask, setTaskPriority } from "@/server/tasks/operate";
import { reportProgress } from "@/server/tasks/progress";
import { signalTask, signalTaskInput } from "@/server/tasks/signal";
import { submitTask } from "@/server/tasks/submit";
import { assertSubtaskParent } from "@/server/tasks/subtasks";
import { pgText } from "@/server/validation";
import { retryTaskWithDependents } from "@/server/workflows/retry";
import { leaseCaller } from "../lease-caller";
import {
  agentProcedure,
  createTRPCRouter,
  operatorProcedure,
  orchestratorProcedure,
  submitterProcedure,
} from "../trpc";
import { completeMany, completeManyInput } from "./complete-many";
import { taskLogProcedures } from "./task-logs";
import { taskQueryProcedures } from "./task-queries";

const failItem = z.strictObject({
  taskId: z.uuid(),
  leaseEpoch,
  error: taskResult,
  retryable: z.boolean().default(true),
});

/** A single-item lease call throws its refusal; batch calls return one outcome per item. */
function single(outcome: FencedOutcome | undefined) {
  if (outcome && !outcome.ok) throw new TRPCError({ code: outcome.code, message: outcome.message });
  return { ok: true as const };
}

export const tasksRouter = createTRPCRouter({
  ...taskQueryProcedures,
  ...taskLogProcedures,

  /** Agents may submit only subtasks of a task they run. */
  submit: submitterProcedure.input(submitTaskInput).mutation(async ({ ctx, input }) => {
    if (ctx.principal.role === "agent")
      await assertSubtaskParent(ctx.db, ctx.principal, input.parentTaskId);
    return submitTask(ctx.db, input, { tokenId: ctx.principal.tokenId });
  }),

  /**
   * Resolves a task waiting for a signal. Orchestrators, operators and admins; an agent only
   * for a workflow in which it runs a task (checked in signalTask).
   */
  signal: submitterProcedure
    .input(signalTaskInput)
    .mutation(({ ctx, input }) => signalTask(ctx.db, input, ctx.principal)),

  progress: agentProcedure
    .input(progressTaskInput)
    .mutation(async ({ ctx, input }) =>
      reportProgress(ctx.db, await leaseCaller(ctx.db, ctx.principal, input.agentId), input),
    ),

  complete: agentProcedure.input(completeTaskInput).mutation(async ({ ctx, input }) => {
    const caller = await leaseCaller(ctx.db, ctx.principal, input.agentId);
    return single((await completeTasks(ctx.db, caller, [input]))[0]);
  }),

  /**
   * Many completions in one round trip, each fenced on its own. With `claim`, the same
   * transaction then claims up to that many tasks for the agent, as `agents.claim` would
   * (without waiting): a chain's next task comes back in `tasks` (always present; empty when
   * nothing was claimed or `claim` is 0).
   */
  completeMany: agentProcedure
    .input(completeManyInput)
    .mutation(({ ctx, input }) => completeMany(ctx, input)),

  fail: agentProcedure.input(failTaskInput).mutation(async ({ ctx, input }) => {
    const caller = await leaseCaller(ctx.db, ctx.principal, input.agentId);
    return single((await failTasks(ctx.db, caller, [input]))[0]);
  }),

  failMany: agentProcedure
    .input(z.strictObject({ agentId: z.uuid(), items: z.array(failItem).min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const caller = await leaseCaller(ctx.db, ctx.principal, input.agentId);
      return { results: await failTasks(ctx.db, caller, input.items) };
    }),

  /** A stopping agent's unfinished tasks: back to the queue now, their attempt refunded. */
  requeue: agentProcedure
    .input(
      z.strictObject({
        agentId: z.uuid(),
        items: z
          .array(z.strictObject({ taskId: z.uuid(), leaseEpoch }))
          .min(1)
          .max(1000),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const caller = await leaseCaller(ctx.db, ctx.principal, input.agentId);
      return { results: await requeueTasks(ctx.db, caller, input.items) };
    }),

  cancel: orchestratorProcedure
    .input(
      z.strictObject({
        id: z.uuid(),
        reason: pgText().trim().min(1).max(500).default("cancelled by request"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await cancelTask(ctx.db, input.id, input.reason);
      return { ok: true as const };
    }),

  /** `withDependents`: also the tasks its failure cancelled (`upstream_failed`), transitively. */
  retry: operatorProcedure
    .input(z.strictObject({ id: z.uuid(), withDependents: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      if (!input.withDependents) {
        const row = await retryTask(ctx.db, input.id);
        const waiting = row.state === "waiting";
        return {
          ok: true as const,
          queued: waiting ? [] : [input.id],
          blocked: [],
          waiting: waiting ? [input.id] : [],
        };
      }
      return { ok: true as const, ...(await retryTaskWithDependents(ctx.db, input.id)) };
    }),

  setPriority: operatorProcedure
    .input(
      z.strictObject({ id: z.uuid(), priority: z.number().int().min(-1_000_000).max(1_000_000) }),
    )
    .mutation(({ ctx, input }) => setTaskPriority(ctx.db, input.id, input.priority)),
});
