import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { col, queryRows } from "@/db/rows";
import { DomainError } from "@/server/errors";
import { createFailureLog, type FailureLog } from "@/server/log/failure-log";
import { log } from "@/server/log/logger";
import type { Sweep } from "@/server/scheduler/types";
import { fireSchedule } from "./fire";
import { fireTaskSchedules } from "./fire-batch";

/** How often a fire waiting in a `buffer_one` buffer looks whether the previous run ended. */
export const BUFFER_POLL_MS = 1000;

/**
 * How far ahead of a fire time the leader wakes. The pass locks the schedules due then and
 * parses their specs, waits for the instant itself, and writes the fires at once: a timer set
 * for the fire time itself ends up to a millisecond early (finding nothing due, so the fire
 * waits for another turn of the loop) or late by whatever the loop was doing.
 */
export const FIRE_LEAD_MS = 100;

export interface ScheduleSweepOptions {
  /** The clock: tests pass a fake one (and no lead: a fake clock is never waited for). */
  now?: () => Date;
  /** Schedules handled per pass; a full batch asks for another pass at once. */
  batch?: number;
  /** Fires due within this many ms are prepared and waited for in this pass (FIRE_LEAD_MS). */
  leadMs?: number;
}

const sweepLog = log.child({ component: "schedules" });
const failures = new Map<string, FailureLog>();

type Due = { id: string; kind: string }[];

async function dueAt(db: Database, at: Date, batch: number): Promise<Due> {
  return queryRows(
    db,
    "due schedules",
    z.object({ id: z.string(), kind: z.string() }),
    sql`
    select id, kind from schedules
    where not paused and (next_fire_at <= ${at.toISOString()} or buffered_fire_at is not null)
    order by next_fire_at nulls last
    limit ${batch}`,
  );
}

/**
 * Fires `due` as of `at`: the task schedules in one batch, the rest one at a time. With
 * `wait`, nothing is written before it resolves (the fire time has come).
 */
async function fireDue(db: Database, due: Due, at: Date, wait?: () => Promise<void>) {
  const taskIds = due.filter((row) => row.kind === "task").map((row) => row.id);
  try {
    await fireTaskSchedules(db, taskIds, at, { ready: wait });
  } catch (error) {
    // One schedule's spec refused, or a conflict: one at a time finds and isolates it.
    sweepLog.debug({ err: error }, "batched fires failed; firing one schedule at a time");
    await wait?.();
    for (const id of taskIds) await fireOne(db, id, at);
  }
  await wait?.();
  for (const row of due) if (row.kind !== "task") await fireOne(db, row.id, at);
}

/** Resolves once the wall clock has reached `at`, to the millisecond. */
async function waitUntil(at: Date): Promise<void> {
  const left = at.getTime() - Date.now();
  if (left > 1) await new Promise((resolve) => setTimeout(resolve, left - 1));
  // A timer may end a millisecond early: the rest is awaited a turn of the event loop at a time.
  while (Date.now() < at.getTime()) await new Promise((resolve) => setImmediate(resolve));
}

async function nextFire(db: Database): Promise<{ at: Date | null; buffered: boolean }> {
  const [next] = await queryRows(
    db,
    "next schedule fire",
    z.object({ next: col.date().nullable(), buffered: z.boolean().nullable() }),
    sql`
    select min(next_fire_at) as next, bool_or(buffered_fire_at is not null) as buffered
    from schedules where not paused`,
  );
  return { at: next?.next ?? null, buffered: next?.buffered ?? false };
}

/**
 * Fires the schedules that are due, then those due within the lead (waiting for their instant),
 * and reports when the loop should wake for the next ones: the lead before their fire time.
 */
export function createScheduleSweep(options: ScheduleSweepOptions = {}): Sweep {
  const clock = options.now ?? (() => new Date());
  const batch = options.batch ?? 2000;
  const leadMs = options.leadMs ?? (options.now ? 0 : FIRE_LEAD_MS);
  return {
    name: "schedules",
    async run(db: Database) {
      const now = clock();
      const due = await dueAt(db, now, batch);
      await fireDue(db, due, now);
      if (due.length >= batch) return { nextDueAt: now };
      let next = await nextFire(db);
      if (leadMs > 0 && next.at && next.at.getTime() - clock().getTime() <= leadMs) {
        const at = next.at;
        const soon = await dueAt(db, at, batch);
        await fireDue(db, soon, at, () => waitUntil(at));
        if (soon.length >= batch) return { nextDueAt: at };
        next = await nextFire(db);
      }
      let nextDueAt = next.at ? new Date(next.at.getTime() - leadMs) : null;
      if (next.buffered) {
        const poll = new Date(clock().getTime() + BUFFER_POLL_MS);
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
