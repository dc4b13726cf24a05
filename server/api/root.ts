import { authRouter } from "./routers/auth";
import { systemRouter } from "./routers/system";
import { tokensRouter } from "./routers/tokens";
import { createTRPCRouter } from "./trpc";

/** Every router, by domain (ARCHITECTURE.md "API"). */
export const appRouter = createTRPCRouter({
  auth: authRouter,
  system: systemRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
