import { getConfig, type SchedulingConfig } from "@/server/config";

/** How claims choose among runnable tasks: `task_manager.scheduling` (README "Scheduling"). */
export type SchedulingPolicy = SchedulingConfig;

export function schedulingPolicy(): SchedulingPolicy {
  return getConfig().taskManager.scheduling;
}
