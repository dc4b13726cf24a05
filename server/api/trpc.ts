import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { LIVENESS_IN_STATEMENT, UNAUTHENTICATED } from "@/server/auth/deferred-liveness";
import type { Role } from "@/server/auth/roles";
import { DomainError } from "@/server/errors";
import type { Context } from "./context";
import { publicError } from "./public-error";

const t = initTRPC.context<Context>().create({
  // Subscriptions (events.stream) are server-sent events. A `ping` event every 10 s keeps
  // proxies from cutting an idle stream; a client that hears nothing, not even a ping, for 30 s
  // reconnects (resuming from its last event id).
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 30_000 },
  },
  // Zod issues travel in `data.zodError`, so a form can show each message next to its field.
  // Server-side failures are reduced to a generic message and an `errorId` (public-error.ts);
  // no shape carries a stack, in development either.
  errorFormatter({ shape, error }) {
    const zodError =
      error.code === "BAD_REQUEST" && error.cause instanceof z.ZodError
        ? z.flattenError(error.cause)
        : null;
    const { stack: _stack, ...data } = shape.data;
    const view = publicError(error);
    return {
      ...shape,
      message: view.message,
      data: {
        ...data,
        code: view.code,
        httpStatus: view.httpStatus ?? data.httpStatus,
        zodError,
        errorId: view.errorId,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** A domain error as the tRPC error of the same code, cause kept. */
export const domainTrpcError = (cause: DomainError) =>
  new TRPCError({ code: cause.code, message: cause.message, cause });

/** Domain errors become tRPC errors here (and in lean-calls.ts, which skips the middleware). */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    return { ...result, error: domainTrpcError(result.error.cause) };
  }
  return result;
});

/** Anyone, signed in or not. Only sign-in-adjacent calls belong here. */
export const publicProcedure = t.procedure.use(domainErrors);

/**
 * Any valid token or session. Also refuses cookie-authenticated mutations from another origin
 * (CSRF): bearer tokens are not sent by browsers on their own, so they need no such check.
 * A remembered principal (context.ts `liveness`) is looked up here for every procedure that
 * does not check its token in its own statement.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, type, path, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: UNAUTHENTICATED });
  }
  if (type === "mutation" && ctx.principal.via === "session" && !ctx.sameOrigin) {
    throw new TRPCError({ code: "FORBIDDEN", message: "cross-site request refused" });
  }
  let liveness = ctx.liveness;
  if (liveness && !LIVENESS_IN_STATEMENT.has(path)) {
    await liveness.verify();
    liveness = undefined;
  }
  return next({ ctx: { ...ctx, principal: ctx.principal, liveness } });
});

function forRoles(...allowed: Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!allowed.includes(ctx.principal.role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `role ${ctx.principal.role} may not do this (needs ${allowed.join(" or ")})`,
      });
    }
    return next();
  });
}

/** Read-only views: every role, including viewers and wall screens. */
export const viewerProcedure = authedProcedure;
/** The roles that act as agents: agents, and admin standing in. */
export const AGENT_ROLES: readonly Role[] = ["agent", "admin"];
/** Agents acting on their own registration and leases (admin may stand in). */
export const agentProcedure = forRoles(...AGENT_ROLES);
/** Submitting and cancelling work: orchestrators, and the humans who manage it. */
export const orchestratorProcedure = forRoles("orchestrator", "operator", "admin");
/** Submitting tasks: orchestrators and operators, and agents submitting subtasks. */
export const submitterProcedure = forRoles("orchestrator", "operator", "admin", "agent");
/** Managing tasks, resources and alerts. */
export const operatorProcedure = forRoles("operator", "admin");
/** Tokens and everything else. */
export const adminProcedure = forRoles("admin");
