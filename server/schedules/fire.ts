import { and, eq, isNotNull, lte, or } from "drizzle-orm";
import type { Database } from "@/db/client";
import { schedules } from "@/db/schema/schedules";
import { recordEvents } from "@/server/events/record";

import { planFor } from "./rows";
import { cancelUnfinishedRuns, countUnfinishedRuns, makeFire, skipFire } from "./run";

/**
 * Makes the fires of one schedule that are due at `now`, in one transaction with the schedule's
 * new next fire time. The row is locked with SKIP LOCKED: an instance that finds it locked
 * leaves it to the one holding it, and re-reads it fresh afterwards (its `next_fire_at` has
 * moved on). With `refusal`, every fire is recorded as skipped with that reason instead: the
 * spec cannot be submitted (a resource it requires was removed), and the schedule must move on
 * rather than fail on every pass.
 */
export async function fireSchedule(
  db: Database,
  id: string,
  now: Date,
  refusal?: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(schedules)
      .where(
        and(
          eq(schedules.id, id),
          eq(schedules.paused, false),
          or(lte(schedules.nextFireAt, now), isNotNull(schedules.bufferedFireAt)),
        ),
      )
      .for("update", { skipLocked: true });
    if (!row) return;
    const unfinishedRuns = row.overlap === "allow" ? 0 : await countUnfinishedRuns(tx, row);
    const plan = planFor(row, now, unfinishedRuns);
    if (plan.cancelPrevious && !refusal) await cancelUnfinishedRuns(tx, row);
    let lastFireAt = row.lastFireAt;
    for (const fire of plan.fires) {
      if (fire.outcome === "fired" && !refusal) {
        if (await makeFire(tx, row, fire.at)) {
          if (!lastFireAt || fire.at > lastFireAt) lastFireAt = fire.at;
        }
      } else {
        await skipFire(
          tx,
          row,
          fire.at,
          refusal ?? (fire.outcome === "skipped" ? fire.reason : ""),
        );
      }
    }
    if (plan.caughtUp) {
      await recordEvents(tx, [
        {
          kind: "schedule.caught_up",
          data: { scheduleId: row.id, name: row.name, catchup: row.catchup, ...plan.caughtUp },
        },
      ]);
    }
    const unchanged =
      plan.fires.length === 0 &&
      sameTime(plan.nextFireAt, row.nextFireAt) &&
      sameTime(plan.bufferedFireAt, row.bufferedFireAt);
    if (unchanged) return;
    await tx
      .update(schedules)
      .set({ nextFireAt: plan.nextFireAt, bufferedFireAt: plan.bufferedFireAt, lastFireAt })
      .where(eq(schedules.id, row.id));
  });
}

const sameTime = (a: Date | null, b: Date | null) =>
  (a?.getTime() ?? null) === (b?.getTime() ?? null);
