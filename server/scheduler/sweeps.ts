import { agentSilenceSweep } from "@/server/agents/sweep";
import { monitorSweeps } from "@/server/monitor/sweeps";
import { taskSweeps } from "@/server/tasks/sweep";
import type { Sweep } from "./types";

/**
 * Every sweep the leader runs, in this order, each pass. Silent agents go first: marking one
 * offline expires its leases, which the task sweep then requeues in the same pass. The monitor
 * comes last, so its alert rules see the pass's changes. A failing sweep never stops the ones
 * after it.
 */
export const allSweeps: Sweep[] = [agentSilenceSweep, ...taskSweeps, ...monitorSweeps];
