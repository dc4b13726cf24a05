import type { Sweep } from "@/server/scheduler/types";
import { sampleQueueDepth } from "./queue-depth";
import { rollUpEvents } from "./rollup";

/**
 * While events flow, the rollup asks for a pass this soon, and waits for it: a pass that comes
 * sooner (the alert rules' wake, twice a second under load) leaves the rollup alone. The
 * charts read the rollup plus the events after its watermark, so the lag costs no accuracy,
 * only a longer tail to read; a rollup costs 25–45 ms of a pass on the benchmark machine.
 */
const BUSY_RERUN_MS = 10_000;

/**
 * The overview's sweep: folds new task events into the rollup and samples the queue depth
 * once a minute. Runs on the leader's loop; safe beside another instance's run (the watermark
 * row and the sample's primary key serialise them).
 */
export function createOverviewSweep(): Sweep {
  let sampledMinute = -1;
  // When this sweep has work again (its last answer); before then a pass leaves it alone.
  let dueAt = 0;
  const due = (at: number) => {
    dueAt = at;
    return { nextDueAt: new Date(at) };
  };
  return {
    name: "overview-rollup",
    async run(db) {
      if (Date.now() < dueAt) return { nextDueAt: new Date(dueAt) };
      const minute = Math.floor(Date.now() / 60_000);
      if (minute !== sampledMinute) {
        await sampleQueueDepth(db);
        sampledMinute = minute;
      }
      const report = await rollUpEvents(db);
      const nextMinute = (minute + 1) * 60_000;
      if (report.more) return due(Date.now() + 100);
      // Busy or not, the next minute's queue depth sample is on time.
      if (report.events > 0) return due(Math.min(Date.now() + BUSY_RERUN_MS, nextMinute));
      return due(nextMinute);
    },
  };
}

export const overviewSweep = createOverviewSweep();
