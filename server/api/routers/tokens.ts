import { z } from "zod";
import { roles } from "@/server/auth/roles";
import { createToken, listTokens, revokeToken } from "@/server/auth/tokens";
import { pgText } from "@/server/validation";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const tokensRouter = createTRPCRouter({
  /** Returns the secret once; only its hash is kept. */
  create: adminProcedure
    .input(
      z.object({
        name: pgText().trim().min(1).max(200),
        role: z.enum(roles),
        expiresInDays: z.number().positive().max(3650).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const expiresAt =
        input.expiresInDays === undefined
          ? null
          : new Date(Date.now() + input.expiresInDays * 86_400_000);
      return createToken(ctx.db, {
        name: input.name,
        role: input.role,
        createdBy: ctx.principal.tokenId,
        expiresAt,
      });
    }),

  list: adminProcedure
    .input(
      z.object({ includeRevoked: z.boolean().default(false) }).default({ includeRevoked: false }),
    )
    .query(({ ctx, input }) => listTokens(ctx.db, input)),

  revoke: adminProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => revokeToken(ctx.db, input.id)),
});
