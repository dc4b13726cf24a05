import type { Sweep } from "@/server/scheduler/types";
import { markSilentAgentsOffline, nextAgentSilenceAt } from "./silence";

/**
 * An agent silent this long is offline and its leases expire. Three missed heartbeats of the
 * SDK's default 10 s: one lost packet or a GC pause must not cost an agent its work.
 */
export const AGENT_SILENCE_S = 30;

export const agentSilenceSweep: Sweep = {
  name: "agent-silence",
  async run(db) {
    await markSilentAgentsOffline(db, { silentForS: AGENT_SILENCE_S });
    return { nextDueAt: await nextAgentSilenceAt(db, AGENT_SILENCE_S) };
  },
};
