import type { Executor } from "@/db/client";
import { getSchedulerLeader, type LeaderInfo } from "./leader";
import type { Scheduler, SchedulerStatus } from "./loop";

/** GET /api/scheduler: who leads the cluster, and how this instance's loop stands. */
export interface SchedulerOverview {
  leader: LeaderInfo | null;
  /** Null when this process runs no scheduler (background services not started). */
  thisInstance: SchedulerStatus | null;
  /**
   * The cluster's next planned pass, when this instance is the leader and so knows it; null
   * otherwise (only the leader's process holds its plan).
   */
  nextPassAt: Date | null;
}

export async function getSchedulerOverview(
  db: Executor,
  scheduler: Scheduler | null,
): Promise<SchedulerOverview> {
  const leader = await getSchedulerLeader(db);
  const thisInstance = scheduler?.status() ?? null;
  return {
    leader,
    thisInstance,
    nextPassAt: thisInstance?.isLeader ? thisInstance.nextPassAt : null,
  };
}
