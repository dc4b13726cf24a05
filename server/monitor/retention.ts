import { type SQL, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { RetentionConfig } from "@/server/config";
import { pruneTaskLogs } from "@/server/logs/retention";
import { pruneRollup } from "@/server/overview/retention";
import type { Sweep } from "@/server/scheduler/types";
import { pruneFinishedTasks } from "@/server/tasks/retention";

/** Rows per DELETE: each is its own short transaction, holding few locks for little time. */
export const PRUNE_BATCH = 5000;
/** Batches per table per run; what is left waits for the next run, so a pass stays short. */
const MAX_BATCHES = 20;
/** Pruning is housekeeping: once a minute is plenty, however often the loop passes. */
const RUN_EVERY_MS = 60_000;

export interface PruneParams extends RetentionConfig {
  batch?: number;
  maxBatches?: number;
}

export interface PruneReport {
  events: number;
  allocations: number;
  alerts: number;
  /** Task log lines (server/logs/retention.ts), after `logsDays`. */
  logs: number;
  /** Minutes of the overview's rollup (server/overview/), after `samplesDays`. */
  rollup: number;
  /** Finished tasks (server/tasks/retention.ts), after `tasksDays`. */
  tasks: number;
  /** Finished workflow runs, after `tasksDays`. */
  workflows: number;
  /** A table hit maxBatches: more old rows remain. */
  more: boolean;
}

const ageOver = (days: number) => sql`now() - ${days}::float8 * interval '1 day'`;

/**
 * Deletes history older than the configured ages, PRUNE_BATCH rows per statement:
 * task_events and resolved alerts (with their deliveries) after `eventsDays`, released
 * allocations (the usage charts' samples) after `samplesDays`. Rows still in use are never
 * touched: open allocations and firing alerts stay whatever their age. The overview's
 * per-minute rollup is a series of samples too, kept `samplesDays`. Finished tasks and workflow
 * runs go after `tasksDays`, with their events and logs (server/tasks/retention.ts).
 */
export async function pruneHistory(db: Database, params: PruneParams): Promise<PruneReport> {
  const batch = params.batch ?? PRUNE_BATCH;
  const maxBatches = params.maxBatches ?? MAX_BATCHES;
  const events = await deleteInBatches(
    db,
    sql`task_events`,
    sql`created_at < ${ageOver(params.eventsDays)}`,
    batch,
    maxBatches,
  );
  const samplesCutoff = ageOver(params.samplesDays);
  // acquired_at first, for allocations_time_idx; a row released before the cutoff was also
  // acquired before it.
  const allocations = await deleteInBatches(
    db,
    sql`allocations`,
    sql`acquired_at < ${samplesCutoff} and released_at < ${samplesCutoff}`,
    batch,
    maxBatches,
  );
  const alerts = await deleteInBatches(
    db,
    sql`alerts`,
    sql`state = 'resolved' and resolved_at < ${ageOver(params.eventsDays)}`,
    batch,
    maxBatches,
  );
  const logs = await pruneTaskLogs(db, { logsDays: params.logsDays, batch, maxBatches });
  const rollup = await pruneRollup(db, { days: params.samplesDays, batch, maxBatches });
  const tasks = await pruneFinishedTasks(db, { tasksDays: params.tasksDays, batch, maxBatches });
  return {
    events: events.deleted,
    allocations: allocations.deleted,
    alerts: alerts.deleted,
    logs: logs.deleted,
    rollup: rollup.deleted,
    tasks: tasks.tasks,
    workflows: tasks.workflows,
    more: events.more || allocations.more || alerts.more || logs.more || rollup.more || tasks.more,
  };
}

async function deleteInBatches(
  db: Database,
  table: SQL,
  condition: SQL,
  batch: number,
  maxBatches: number,
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    // SKIP LOCKED: a row someone is changing right now is left for the next run.
    const result = await db.execute(sql`
      delete from ${table} where id in (
        select id from ${table} where ${condition} order by id limit ${batch} for update skip locked)`);
    deleted += result.count;
    if (result.count < batch) return { deleted, more: false };
  }
  return { deleted, more: true };
}

/** Pruning as a sweep of the leader's loop: at most once a minute, sooner while rows remain. */
export function createRetentionSweep(retention: () => RetentionConfig): Sweep {
  let lastRunAt = Number.NEGATIVE_INFINITY;
  return {
    name: "retention",
    async run(db) {
      if (Date.now() - lastRunAt < RUN_EVERY_MS) return { nextDueAt: null };
      lastRunAt = Date.now();
      const report = await pruneHistory(db, retention());
      if (!report.more) return { nextDueAt: null };
      // Leave the loop a breath between rounds rather than deleting in one long pass.
      lastRunAt = Number.NEGATIVE_INFINITY;
      return { nextDueAt: new Date(Date.now() + 1000) };
    },
  };
}
