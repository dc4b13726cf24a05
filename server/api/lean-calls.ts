import { LIVENESS_IN_STATEMENT } from "@/server/auth/deferred-liveness";
import { DomainError } from "@/server/errors";
import type { Context } from "./context";
import { completeMany, readCompleteMany } from "./routers/complete-many";
import { AGENT_ROLES, domainTrpcError } from "./trpc";

/** `TM_LEAN_CALLS=0`: completeMany through its procedure too (A/B benchmarks). */
const lean = process.env.TM_LEAN_CALLS !== "0";

/**
 * `tasks.completeMany` without tRPC's procedure: its middleware (authedProcedure, the role
 * check, domainErrors) and zod took ~0.3 ms of a hop's p50 and ~0.7 ms of the server's CPU per
 * hop (docs/architecture.md "A request's path"), and a chain's every hop makes that call.
 * Only for a call the middleware would let through unchanged and an input `readCompleteMany`
 * takes; anything else (no token, another role, a cross-site session, input zod must explain)
 * returns undefined, and direct-call.ts runs the procedure as always, refusal included. What it answers, agent-calls-route.test.ts holds equal to the procedure's.
 */
export function answerLean(
  path: string,
  ctx: Context,
  input: unknown,
): Promise<unknown> | undefined {
  if (!lean || path !== "tasks.completeMany") return undefined;
  const { principal } = ctx;
  if (!principal || !AGENT_ROLES.includes(principal.role)) return undefined;
  if (principal.via === "session" && !ctx.sameOrigin) return undefined;
  // authedProcedure would look the token up here first.
  if (ctx.liveness && !LIVENESS_IN_STATEMENT.has(path)) return undefined;
  const read = readCompleteMany(input);
  if (!read) return undefined;
  return completeMany({ ...ctx, principal }, read).catch((error: unknown) => {
    throw error instanceof DomainError ? domainTrpcError(error) : error;
  });
}
