import { countApprovals, listApprovals, listApprovalsInput } from "@/server/approvals/list";
import { createTRPCRouter, viewerProcedure } from "../trpc";

/** The Approvals page: tasks waiting for the `approval` signal. Resolved with tasks.signal. */
export const approvalsRouter = createTRPCRouter({
  /** Longest waiting first, each with its workflow and its upstream tasks' results. */
  list: viewerProcedure
    .input(listApprovalsInput)
    .query(({ ctx, input }) => listApprovals(ctx.db, input)),
  /** `{count}`: the header's badge. */
  count: viewerProcedure.query(async ({ ctx }) => ({ count: await countApprovals(ctx.db) })),
});
