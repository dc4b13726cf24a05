import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Transaction } from "@/db/client";
import { col, queryRows } from "@/db/rows";
import { settledBound } from "@/server/events/settled";
import { bucketIndexSql, HISTOGRAM_BUCKETS } from "./histogram";
import { ROLLUP_STEPS_S } from "./ranges";

/** Events folded per transaction: each is one short statement over an id range. */
export const ROLLUP_BATCH = 20_000;
/** Batches per run; what is left waits for the next run, so a sweep pass stays short. */
const MAX_BATCHES = 10;
/** Task types with a row of their own in task_type_totals (Prometheus labels); then `_other`. */
export const TYPE_TOTALS_CAP = 50;
export const OTHER_TYPE = "_other";

export interface RollupParams {
  batch?: number;
  maxBatches?: number;
  /**
   * Runs inside each batch's transaction after the counts are added, before the commit. Tests
   * use it to kill a run half-way; a throw rolls the batch back, watermark included.
   */
  beforeCommit?: (tx: Transaction) => Promise<void>;
}

export interface RollupReport {
  /** Events folded in (of the kinds the rollup counts, or not). */
  events: number;
  lastEventId: number;
  /** A batch limit was reached: more settled events wait. */
  more: boolean;
}

/** A bucket's start: `at` rounded down to a multiple of `stepS` since the epoch. */
export const bucketStartSql = (at: SQL, stepS: SQL | number) =>
  sql`date_bin(make_interval(secs => ${stepS}), ${at}, timestamptz 'epoch')`;

/**
 * Folds the task events after the watermark into the rollup, each id exactly once:
 * the counts are added and the watermark advanced in one transaction, which first locks the
 * watermark row, so two leaders (or a manual pass beside the loop) take turns and the second
 * starts from where the first committed. The range ends at `settledBound`, never past an id
 * whose transaction may still commit (server/events/settled.ts).
 */
export async function rollUpEvents(db: Database, params: RollupParams = {}): Promise<RollupReport> {
  const batch = params.batch ?? ROLLUP_BATCH;
  const maxBatches = params.maxBatches ?? MAX_BATCHES;
  await db.execute(sql`
    insert into overview_rollup_state (id, last_event_id) values (1, 0) on conflict do nothing`);
  let events = 0;
  let lastEventId = await readWatermark(db);
  for (let i = 0; i < maxBatches; i++) {
    const { bound, more } = await settledBound(db, lastEventId, { scanLimit: batch, waitMs: 0 });
    if (bound <= lastEventId) return { events, lastEventId, more: false };
    const folded = await db.transaction(async (tx) => {
      const [state] = await queryRows(
        tx,
        "rollup watermark for update",
        z.object({ last: col.number() }),
        sql`
        select last_event_id::text as last from overview_rollup_state where id = 1 for update`,
      );
      const from = Number(state?.last ?? 0);
      // Another run moved on while this one waited for the lock: start from its watermark.
      if (from >= bound) return { from, to: from, events: 0 };
      const count = await foldRange(tx, from, bound);
      await tx.execute(sql`
        update overview_rollup_state set last_event_id = ${bound}, updated_at = now()
        where id = 1`);
      await params.beforeCommit?.(tx);
      return { from, to: bound, events: count };
    });
    events += folded.events;
    lastEventId = Math.max(folded.to, folded.from);
    if (!more) return { events, lastEventId, more: false };
  }
  return { events, lastEventId, more: true };
}

export async function readWatermark(db: Database | Transaction): Promise<number> {
  const [state] = await queryRows(
    db,
    "rollup watermark",
    z.object({ last: col.number() }),
    sql`
    select last_event_id::text as last from overview_rollup_state where id = 1`,
  );
  return Number(state?.last ?? 0);
}

/** Element-wise sum of two same-length arrays, for ON CONFLICT DO UPDATE. */
const addArrays = (target: SQL, source: SQL) => sql`(
  select array_agg(x.a + x.b order by x.i)
  from unnest(${target}, ${source}) with ordinality as x(a, b, i))`;

/**
 * A histogram (HISTOGRAM_BUCKETS counts) from a group's rows of bucket index `index` and count
 * `n` (rows whose index is null left out). Both arrays come from one aggregation over the same
 * rows, so they line up.
 */
const histogramOf = (index: SQL, n: SQL, type: "int4" | "int8") => sql`(
  select array_agg(coalesce(c.n, 0)::${sql.raw(type)} order by g)
  from generate_series(0, ${HISTOGRAM_BUCKETS - 1}) g
  left join (
    select x.i, sum(x.n) as n
    from unnest(array_agg(${index}) filter (where ${index} is not null),
      array_agg(${n}) filter (where ${index} is not null)) as x(i, n)
    group by x.i
  ) c on c.i = g)`;

/**
 * The finest step: every other step is a multiple of it, so a coarse bucket is the sum of the
 * finest buckets inside it (date_bin from the same origin nests).
 */
const FINEST_STEP_S = Math.min(...ROLLUP_STEPS_S);
if (ROLLUP_STEPS_S.some((step) => step % FINEST_STEP_S !== 0))
  throw new Error(`rollup steps ${ROLLUP_STEPS_S.join(", ")} must be multiples of the finest`);

/**
 * The events in (from, to] as the counts of one statement: per step, bucket and type, per
 * step, bucket and agent, and the all-time totals per (capped) type. Durations come from the
 * task row: a claim's wait is its time since `queued_at`, an end's run time its time since
 * `started_at`; a task claimed or requeued again before the fold no longer shows the earlier
 * attempt's times, and that attempt is counted without a duration rather than with a wrong one.
 *
 * The events are first counted per finest bucket, type, kind and duration bucket (`by_type`)
 * and per finest bucket and agent (`by_agent`): under load a batch of thousands of events is a
 * few dozen such rows, and every step and total is summed from those rather than from each
 * event again. Each event once per step made the fold about a fifth of the database's statement
 * time in a drain (`bench --only throughput`: 945 ms per 20,000 tasks, now about 360 ms); over
 * a seeded day of 8 types and 50 agents, where little groups, it is still a little faster.
 */
async function foldRange(tx: Transaction, from: number, to: number): Promise<number> {
  const [row] = await queryRows(
    tx,
    "fold rollup range",
    z.object({ events: z.number() }),
    sql`
    with ev as materialized (
      select ${bucketStartSql(sql`e.created_at`, FINEST_STEP_S)} as at,
        coalesce(t.type, 'unknown') as type, e.kind, e.agent_id, d.wait_ms, d.run_ms,
        ${bucketIndexSql(sql`d.wait_ms`)} as wb, ${bucketIndexSql(sql`d.run_ms`)} as rb
      from task_events e left join tasks t on t.id = e.task_id
      cross join lateral (select
        case when e.kind = 'task.started' and t.queued_at <= e.created_at
          then extract(epoch from e.created_at - t.queued_at)::float8 * 1000 end as wait_ms,
        case when e.kind <> 'task.started' and t.started_at <= e.created_at
          then extract(epoch from e.created_at - t.started_at)::float8 * 1000 end as run_ms) d
      where e.id > ${from} and e.id <= ${to}
        and e.kind in ('task.started', 'task.succeeded', 'task.failed')
    ), by_type as materialized (
      select at, type, kind, wb, rb, count(*) as n, sum(wait_ms) as wait_ms, sum(run_ms) as run_ms
      from ev group by at, type, kind, wb, rb
    ), by_agent as (
      select at, agent_id, count(*) filter (where kind = 'task.started') as started,
        count(*) filter (where kind <> 'task.started') as finished
      from ev where agent_id is not null group by at, agent_id
    ), steps as (
      select step_s from unnest(${sql.param(ROLLUP_STEPS_S)}::int[]) as g(step_s)
    ), stepped as (
      select g.step_s, ${bucketStartSql(sql`f.at`, sql`g.step_s`)} as bucket, f.*
      from by_type f cross join steps g
    ), per_type as (
      insert into task_rollup as s (step_s, bucket, type, started, succeeded, failed,
        wait_sum_ms, wait_hist, run_sum_ms, run_hist)
      select step_s, bucket, type,
        coalesce(sum(n) filter (where kind = 'task.started'), 0),
        coalesce(sum(n) filter (where kind = 'task.succeeded'), 0),
        coalesce(sum(n) filter (where kind = 'task.failed'), 0),
        coalesce(sum(wait_ms), 0), ${histogramOf(sql`wb`, sql`n`, "int4")},
        coalesce(sum(run_ms), 0), ${histogramOf(sql`rb`, sql`n`, "int4")}
      from stepped group by step_s, bucket, type
      on conflict (step_s, bucket, type) do update set
        started = s.started + excluded.started,
        succeeded = s.succeeded + excluded.succeeded,
        failed = s.failed + excluded.failed,
        wait_sum_ms = s.wait_sum_ms + excluded.wait_sum_ms,
        wait_hist = ${addArrays(sql`s.wait_hist`, sql`excluded.wait_hist`)},
        run_sum_ms = s.run_sum_ms + excluded.run_sum_ms,
        run_hist = ${addArrays(sql`s.run_hist`, sql`excluded.run_hist`)}
      returning 1
    ), per_agent as (
      insert into agent_rollup as s (step_s, bucket, agent_id, started, finished)
      select g.step_s, ${bucketStartSql(sql`a.at`, sql`g.step_s`)}, a.agent_id,
        sum(a.started), sum(a.finished)
      from by_agent a cross join steps g group by 1, 2, 3
      on conflict (step_s, bucket, agent_id) do update set
        started = s.started + excluded.started, finished = s.finished + excluded.finished
      returning 1
    ), batch_types as (
      select distinct type from by_type
    ), labelled as (
      -- New types get a row of their own while the cap allows, in name order; then _other.
      select bt.type, case
          when tt.type is not null then bt.type
          when (select count(*) from task_type_totals)
            + row_number() over (partition by tt.type is null order by bt.type)
            <= ${TYPE_TOTALS_CAP} then bt.type
          else ${OTHER_TYPE} end as label
      from batch_types bt left join task_type_totals tt on tt.type = bt.type
    ), totals as (
      insert into task_type_totals as s (type, wait_sum_ms, wait_hist, run_sum_ms, run_hist)
      select l.label, coalesce(sum(f.wait_ms), 0), ${histogramOf(sql`f.wb`, sql`f.n`, "int8")},
        coalesce(sum(f.run_ms), 0), ${histogramOf(sql`f.rb`, sql`f.n`, "int8")}
      from by_type f join labelled l on l.type = f.type
      group by l.label
      on conflict (type) do update set
        wait_sum_ms = s.wait_sum_ms + excluded.wait_sum_ms,
        wait_hist = ${addArrays(sql`s.wait_hist`, sql`excluded.wait_hist`)},
        run_sum_ms = s.run_sum_ms + excluded.run_sum_ms,
        run_hist = ${addArrays(sql`s.run_hist`, sql`excluded.run_hist`)}
      returning 1
    )
    select coalesce((select sum(n) from by_type), 0)::int as events,
      (select count(*) from per_type) + (select count(*) from per_agent)
        + (select count(*) from totals) as written`,
  );
  return row?.events ?? 0;
}
