import type { Context } from "./context";
import { appRouter } from "./root";
import { createCallerFactory } from "./trpc";

/** Calls procedures in-process with a request's context: same auth, validation and errors. */
export const createCaller = (ctx: Context) => createCallerFactory(appRouter)(ctx);
