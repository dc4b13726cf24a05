import type { Sweep } from "@/server/scheduler/types";
import { sampleQueueDepth } from "./queue-depth";
import { rollUpEvents } from "./rollup";

/**
 * The rollup runs at most this often (unless a run left more to fold), and this soon again while
 * events flow: a pass that comes sooner (the alert rules' wake, twice a second under load)
 * leaves it alone. The charts read the rollup plus the events after its watermark, so the lag
 * costs no accuracy, only a longer tail to read; a rollup costs 25–45 ms of a pass on the
 * benchmark machine.
 */
const BUSY_RERUN_MS = 10_000;

/**
 * The overview's sweep: folds new task events into the rollup and samples the queue depth
 * once a minute. Runs on the leader's loop; safe beside another instance's run (the watermark
 * row and the sample's primary key serialise them).
 */
export function createOverviewSweep(): Sweep {
  let sampledMinute = -1;
  // A pass before `notBefore` leaves the rollup alone and repeats its last answer, `dueAt`.
  let notBefore = 0;
  let dueAt = 0;
  const answer = (due: number, earliest = due) => {
    dueAt = due;
    notBefore = earliest;
    return { nextDueAt: new Date(due) };
  };
  return {
    name: "overview-rollup",
    async run(db) {
      if (Date.now() < notBefore) return { nextDueAt: new Date(dueAt) };
      const minute = Math.floor(Date.now() / 60_000);
      if (minute !== sampledMinute) {
        await sampleQueueDepth(db);
        sampledMinute = minute;
      }
      const report = await rollUpEvents(db);
      const nextMinute = (minute + 1) * 60_000;
      if (report.more) return answer(Date.now() + 100);
      // Busy or not, the next minute's queue depth sample is on time.
      const soon = Math.min(Date.now() + BUSY_RERUN_MS, nextMinute);
      return report.events > 0 ? answer(soon) : answer(nextMinute, soon);
    },
  };
}

export const overviewSweep = createOverviewSweep();
