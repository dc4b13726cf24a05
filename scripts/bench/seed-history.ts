import { execFile } from "node:child_process";
import { promisify } from "node:util";
import postgres from "postgres";

/**
 * Finished tasks written straight into the database with set-based inserts (the API would take
 * an hour for a million): the history the overview's figures read and the hot path's figures
 * must not notice. Shared by `overview.ts` and `history.ts`.
 */
export interface HistorySeedParams {
  tasks: number;
  /** finished_at spreads evenly over the last this many hours, older tasks first. */
  spreadHours: number;
  /**
   * Events per task: 2 (task.started and its end) or 3 (task.submitted first), with the data,
   * workflow and agent the engine writes.
   */
  eventsPerTask: 2 | 3;
  /** Tasks per workflow run, each after the one before it (a chain); 0: tasks without a run. */
  tasksPerWorkflow: number;
  /** Every tenth task fails; with this, every twentieth of the others is cancelled. */
  cancelled: boolean;
  types: number;
  agents: number;
}

const AGENT_TOKEN = "00000000-0000-4000-8000-00000000b0b0";

/**
 * Waits of 50 ms to 30 s and runs of 100 ms to 2 min, skewed short; event ids follow time, as
 * the engine writes them. Seeding twice into one database adds a second history beside the
 * first (the agents are shared).
 */
export async function seedFinishedTasks(url: string, params: HistorySeedParams): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const { tasks, types, agents, tasksPerWorkflow: perRun } = params;
  const runs = perRun > 0 ? Math.ceil(tasks / perRun) : 0;
  try {
    await sql.begin(async (tx) => {
      await tx`
        insert into api_tokens (id, name, role, token_hash, prefix)
        values (${AGENT_TOKEN}, 'bench history agents', 'agent', 'bench-history-unusable',
          'tm_agent')
        on conflict do nothing`;
      await tx`
        insert into agents (id, name, token_id)
        select ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'bench-agent-' || n,
          ${AGENT_TOKEN}
        from generate_series(1, ${agents}) n
        on conflict do nothing`;
      // The runs first: a task's workflow_id is its run's, found by number.
      await tx`create temporary table bench_runs (run int primary key, id uuid not null)
        on commit drop`;
      if (runs > 0)
        await tx`
          with made as (
            insert into workflows (name, created_at)
            select 'bench history run ' || n,
              now() - ${params.spreadHours} * interval '1 hour' * (1 - ((n - 1) * ${perRun} + 1)::float8 / ${tasks})
                - interval '1 minute'
            from generate_series(1, ${runs}) n
            returning id, name)
          insert into bench_runs (run, id)
          select split_part(name, ' ', 4)::int, id from made`;
      await tx`
        create temporary table bench_seeded on commit drop as
        with made as (
          insert into tasks (workflow_id, key, name, type, state, agent_id, attempts, lease_epoch,
            progress, result, error, cancel_reason, payload, created_at, queued_at, started_at,
            finished_at, updated_at)
          select r.id, case when r.id is null then null else 't' || ((n - 1) % ${Math.max(perRun, 1)}) end,
            'bench history ' || n, 'bench-type-' || (n % ${types}), s.state::task_state,
            ('00000000-0000-4000-8000-' || lpad((1 + n % ${agents})::text, 12, '0'))::uuid, 1, 1,
            case when s.state = 'succeeded' then 1 end,
            case when s.state = 'succeeded' then jsonb_build_object('ok', true, 'n', n) end,
            case when s.state = 'failed' then jsonb_build_object('message', 'bench failure ' || n) end,
            case when s.state = 'cancelled' then 'bench cancel' end,
            jsonb_build_object('i', n), s.started - s.wait, s.started - s.wait, s.started,
            s.started + s.run, s.started + s.run
          from generate_series(1, ${tasks}) n
          left join bench_runs r on ${perRun} > 0 and r.run = (n - 1) / ${Math.max(perRun, 1)} + 1
          cross join lateral (select
            now() - ${params.spreadHours} * interval '1 hour' * (1 - n::float8 / ${tasks}) as started,
            (0.05 + 30 * power(random(), 3)) * interval '1 s' as wait,
            (0.1 + 120 * power(random(), 3)) * interval '1 s' as run,
            case when n % 10 = 0 then 'failed'
              when ${params.cancelled} and n % 20 = 1 then 'cancelled'
              else 'succeeded' end as state) s
          returning id, workflow_id, key, name, type, state, agent_id, created_at, started_at,
            finished_at)
        select * from made`;
      if (runs > 0)
        await tx`
          insert into task_dependencies (task_id, depends_on_id)
          select c.id, p.id
          from bench_seeded c
          join bench_seeded p on p.workflow_id = c.workflow_id
            and p.key = 't' || (substring(c.key from 2)::int - 1)
          where c.key <> 't0'`;
      await tx`
        insert into task_events (kind, task_id, workflow_id, agent_id, from_state, to_state, data,
          created_at)
        select e.kind, t.id, t.workflow_id, e.agent_id, e.from_state::task_state,
          e.to_state::task_state, e.data, e.at
        from bench_seeded t
        cross join lateral (values
          ('task.submitted', null, null, 'queued', t.created_at,
            jsonb_build_object('name', t.name, 'type', t.type, 'priority', 0)),
          ('task.started', t.agent_id, 'queued', 'running', t.started_at,
            jsonb_build_object('attempt', 1, 'leaseEpoch', 1)),
          ('task.' || t.state, t.agent_id, 'running', t.state::text, t.finished_at,
            jsonb_build_object('attempt', 1))
        ) e(kind, agent_id, from_state, to_state, at, data)
        where ${params.eventsPerTask} = 3 or e.kind <> 'task.submitted'
        order by e.at`;
    });
  } finally {
    await sql.end();
  }
}

/**
 * As after autovacuum's first pass: the figures measure a settled service, not that pass. A
 * checkpoint after it, so the seeding's gigabyte of WAL is not written out during a measurement,
 * and a `sync`, so the kernel is not either: after the drains' checkpoint (~90 MB) PostgreSQL's
 * statement log showed COMMITs of 100–600 ms for 20 s, each WAL flush queued behind that
 * write-back, and they were the full run's hop p99; with the sync, no COMMIT took over 60 ms.
 */
export async function vacuumHistory(url: string, tables: string[]): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`vacuum (analyze) ${tables.join(", ")}`);
    await sql`checkpoint`;
    // Not spawnSync: the bench's own SDK clients keep their connections meanwhile.
    await promisify(execFile)("sync");
  } finally {
    await sql.end();
  }
}
