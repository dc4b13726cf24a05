import { createTRPCRouter, viewerProcedure } from "../trpc";

export const authRouter = createTRPCRouter({
  /** Who am I: lets a client show its role and hide controls it may not use. */
  me: viewerProcedure.query(({ ctx }) => ({
    tokenId: ctx.principal.tokenId,
    tokenName: ctx.principal.tokenName,
    role: ctx.principal.role,
  })),
});
