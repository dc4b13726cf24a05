import type { Sweep } from "@/server/scheduler/types";
import { sampleQueueDepth } from "./queue-depth";
import { rollUpEvents } from "./rollup";

/**
 * While events flow, the rollup asks for a pass this soon. The charts read the rollup plus the
 * events after its watermark, so the lag costs no accuracy, only a longer tail to read; and a
 * rollup costs the database 5–10 ms of planning and folding, so it is not asked for more often.
 * The alert rules' wakes under load do not run it (server/scheduler/sweep-plan.ts).
 */
const BUSY_RERUN_MS = 10_000;

/**
 * The overview's sweep: folds new task events into the rollup and samples the queue depth
 * once a minute. Runs on the leader's loop; safe beside another instance's run (the watermark
 * row and the sample's primary key serialise them).
 */
export function createOverviewSweep(): Sweep {
  let sampledMinute = -1;
  return {
    name: "overview-rollup",
    async run(db) {
      const minute = Math.floor(Date.now() / 60_000);
      if (minute !== sampledMinute) {
        await sampleQueueDepth(db);
        sampledMinute = minute;
      }
      const report = await rollUpEvents(db);
      const nextMinute = new Date((minute + 1) * 60_000);
      if (report.more) return { nextDueAt: new Date(Date.now() + 100) };
      if (report.events > 0) return { nextDueAt: new Date(Date.now() + BUSY_RERUN_MS) };
      return { nextDueAt: nextMinute };
    },
  };
}

export const overviewSweep = createOverviewSweep();
