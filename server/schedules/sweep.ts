import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { DomainError } from "@/server/errors";
import { createFailureLog, type FailureLog } from "@/server/log/failure-log";
import { log } from "@/server/log/logger";
import type { Sweep } from "@/server/scheduler/types";
import { fireSchedule } from "./fire";
import { fireTaskSchedules } from "./fire-batch";

/** How often a fire waiting in a `buffer_one` buffer looks whether the previous run ended. */
export const BUFFER_POLL_MS = 1000;

export interface ScheduleSweepOptions {
  /** The clock: tests pass a fake one. */
  now?: () => Date;
  /** Schedules handled per pass; a full batch asks for another pass at once. */
  batch?: number;
}

const sweepLog = log.child({ component: "schedules" });
const failures = new Map<string, FailureLog>();

/**
 * Fires the schedules that are due, and reports the earliest next fire time, so the leader's
 * loop wakes for it rather than at its next interval.
 */
export function createScheduleSweep(options: ScheduleSweepOptions = {}): Sweep {
  const clock = options.now ?? (() => new Date());
  const batch = options.batch ?? 2000;
  return {
    name: "schedules",
    async run(db: Database) {
      const now = clock();
      const due = await db.execute<{ id: string; kind: string }>(sql`
        select id, kind from schedules
        where not paused and (next_fire_at <= ${now.toISOString()} or buffered_fire_at is not null)
        order by next_fire_at nulls last
        limit ${batch}`);
      const taskIds = due.filter((row) => row.kind === "task").map((row) => row.id);
      try {
        await fireTaskSchedules(db, taskIds, now);
      } catch (error) {
        // One schedule's spec refused, or a conflict: one at a time finds and isolates it.
        sweepLog.debug({ err: error }, "batched fires failed; firing one schedule at a time");
        for (const id of taskIds) await fireOne(db, id, now);
      }
      for (const row of due) if (row.kind !== "task") await fireOne(db, row.id, now);
      if (due.length >= batch) return { nextDueAt: now };
      const [next] = await db.execute<{ next: string | null; buffered: boolean | null }>(sql`
        select min(next_fire_at) as next, bool_or(buffered_fire_at is not null) as buffered
        from schedules where not paused`);
      let nextDueAt = next?.next ? new Date(next.next) : null;
      if (next?.buffered) {
        const poll = new Date(now.getTime() + BUFFER_POLL_MS);
        if (!nextDueAt || poll < nextDueAt) nextDueAt = poll;
      }
      return { nextDueAt };
    },
  };
}

/**
 * One schedule's fires; a failure is logged (once per failing streak) and must not stop the
 * others. A spec the engine refuses (BAD_REQUEST: a required resource is gone) is recorded as
 * skipped, with the refusal, so the schedule moves on instead of failing every pass.
 */
async function fireOne(db: Database, id: string, now: Date): Promise<void> {
  let failure = failures.get(id);
  try {
    await fireSchedule(db, id, now);
    if (failure) {
      failure.succeeded();
      failures.delete(id);
    }
  } catch (error) {
    if (!failure) {
      failure = createFailureLog(sweepLog.child({ scheduleId: id }), `schedule ${id}`);
      failures.set(id, failure);
    }
    failure.failed(error);
    if (error instanceof DomainError) {
      await fireSchedule(db, id, now, `submit refused: ${error.message}`);
    }
  }
}

export const scheduleSweep = createScheduleSweep();
