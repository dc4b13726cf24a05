import { getAgent } from "@/server/agents/get";
import { heartbeat } from "@/server/agents/heartbeat";
import { agentIdInput, claimTasksInput, registerAgentInput } from "@/server/agents/inputs";
import { listAgents } from "@/server/agents/list";
import { assertAgentOwner } from "@/server/agents/ownership";
import { registerAgent } from "@/server/agents/register";
import { releaseAgent } from "@/server/agents/release";
import { drainAgent, resumeAgent } from "@/server/agents/status";
import { getEventHub } from "@/server/events/hub";
import { phase } from "@/server/log/phase-timings";
import { claimWithWait } from "@/server/tasks/claim-wait";
import { agentProcedure, createTRPCRouter, operatorProcedure, viewerProcedure } from "../trpc";

export const agentsRouter = createTRPCRouter({
  /** An agent announces itself; calling again (after a restart) returns the same id. */
  register: agentProcedure
    .input(registerAgentInput)
    .mutation(({ ctx, input }) =>
      registerAgent(ctx.db, { ...input, tokenId: ctx.principal.tokenId }),
    ),

  /** Keeps the agent online and extends the leases it holds; lists them. */
  heartbeat: agentProcedure.input(agentIdInput).mutation(async ({ ctx, input }) => {
    await assertAgentOwner(ctx.db, ctx.principal, input.agentId);
    return heartbeat(ctx.db, input);
  }),

  list: viewerProcedure.query(({ ctx }) => listAgents(ctx.db)),

  /** One agent, with its quarantine (until when, why, how many failures) when it has one. */
  get: viewerProcedure
    .input(agentIdInput)
    .query(({ ctx, input }) => getAgent(ctx.db, input.agentId)),

  /** Stop handing the agent new work; it finishes what it holds. */
  drain: operatorProcedure
    .input(agentIdInput)
    .mutation(({ ctx, input }) => drainAgent(ctx.db, input)),

  resume: operatorProcedure
    .input(agentIdInput)
    .mutation(({ ctx, input }) => resumeAgent(ctx.db, input)),

  /** Ends a quarantine now: the agent claims again. Idempotent. */
  release: operatorProcedure
    .input(agentIdInput)
    .mutation(({ ctx, input }) => releaseAgent(ctx.db, input, ctx.principal.tokenId)),

  /**
   * Up to `max` tasks under lease; with `waitMs`, waits that long for work to appear (long
   * poll). A claim counts as a heartbeat. A quarantined agent gets nothing: its long-poll waits
   * until the quarantine ends (or an operator releases it), at most `waitMs`.
   */
  claim: agentProcedure.input(claimTasksInput).mutation(async ({ ctx, input, signal }) => {
    phase("proc");
    const tasks = await claimWithWait(ctx.db, getEventHub, {
      ...input,
      signal,
      principal: ctx.principal,
    });
    phase("proc.out");
    return { tasks };
  }),
});
