import { agentSilenceSweep } from "@/server/agents/sweep";
import { monitorSweeps } from "@/server/monitor/sweeps";
import { overviewSweep } from "@/server/overview/sweep";
import { scheduleSweep } from "@/server/schedules/sweep";
import { taskSweeps } from "@/server/tasks/sweep";
import type { Sweep } from "./types";

/**
 * Every sweep the leader runs, in this order, each pass. Silent agents go first: marking one
 * offline expires its leases, which the task sweep then requeues in the same pass. The monitor
 * comes last, so its alert rules see the pass's changes; the overview's rollup just before it
 * folds in the events of the pass. A failing sweep never stops the ones
 * after it. Schedules fire first: their fire times are the most time-sensitive work of a pass.
 */
export const allSweeps: Sweep[] = [
  scheduleSweep,
  agentSilenceSweep,
  ...taskSweeps,
  overviewSweep,
  ...monitorSweeps,
];
