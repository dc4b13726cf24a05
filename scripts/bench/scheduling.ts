import postgres from "postgres";
import {
  type AgentWorker,
  createAgentWorker,
  createTaskManagerClient,
  type WorkflowInput,
} from "@/sdk";
import { type BenchEnvironment, startBenchEnvironment } from "./setup";
import { log } from "./stats";

/**
 * `--only scheduling`: one mixed workload, run twice against the real server with SDK agents
 * (fifo without reservations, then fair share with reservations), figures side by side.
 *
 * Scaled to run in a few minutes: a `gpu` pool of 8 fed a 30 s stream of 1-GPU tasks
 * (0.5–2 s, timeoutS 5) plus three 8-GPU tasks; three workflows of 5, 200 and 5,000 tasks of
 * 50 ms, as the issue has them (--quick: a 15 s stream, 5, 50 and 300 tasks), submitted
 * biggest first; 30 tasks under one concurrency key with limit 2; one flaky agent failing 9
 * tasks in 10. reserve_after_s is scaled with the task durations (3 s instead of 30: a 1-GPU
 * task here lasts about 1 s, not minutes).
 *
 * The agents start before anything is submitted, as a production fleet is already running
 * when a run arrives: the small workflow's makespan (from its created_at) then measures the
 * scheduling, not the fleet's start-up.
 */

export interface SchedulingParams {
  quick: boolean;
}

export interface SchedulingFigures {
  sched_pool_utilisation: number;
  sched_big_task_wait_max_s: number;
  sched_small_workflow_makespan_s: number;
  sched_small_workflow_critical_path_s: number;
  /** Makespan over critical path; the target is ≤ 10 with the defaults. */
  sched_small_workflow_makespan_ratio: number;
  sched_fairness_jain: number;
  sched_key_limit_max_running: number;
  sched_flaky_agent_failures: number;
  /** The failed attempts its quarantine counted (the event's `failures`); NaN: never quarantined. */
  sched_flaky_agent_failures_at_quarantine: number;
}

export const SCALED_RESERVE_AFTER_S = 3;
const RESERVATIONS_OFF_S = 31_536_000;
const GPU = 8;
const KEY = "customer-42";

export async function runSchedulingComparison(params: SchedulingParams) {
  const runs = [
    {
      label: "fifo, no reservations",
      env: {
        TM_SCHEDULING_FAIRNESS: "fifo",
        TM_SCHEDULING_RESERVE_AFTER_S: `${RESERVATIONS_OFF_S}`,
      },
    },
    {
      label: `defaults (workflow, reserve_after_s ${SCALED_RESERVE_AFTER_S})`,
      env: {
        TM_SCHEDULING_FAIRNESS: "workflow",
        TM_SCHEDULING_RESERVE_AFTER_S: `${SCALED_RESERVE_AFTER_S}`,
      },
    },
  ];
  const results: { label: string; figures: SchedulingFigures }[] = [];
  for (const run of runs) {
    log(`scheduling: ${run.label}`);
    const env = await startBenchEnvironment({ serverEnv: run.env });
    try {
      const figures = await runWorkload(env, params);
      log(`scheduling ${run.label}: ${JSON.stringify(figures)}`);
      results.push({ label: run.label, figures });
    } finally {
      await env.close();
    }
  }
  return results;
}

async function runWorkload(
  env: BenchEnvironment,
  params: SchedulingParams,
): Promise<SchedulingFigures> {
  const streamS = params.quick ? 15 : 30;
  const bigAtS = params.quick ? [2, 8] : [2, 11, 20];
  const sizes = params.quick
    ? { big: 300, medium: 50, small: 5 }
    : { big: 5000, medium: 200, small: 5 };
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  await admin.trpc.resources.upsert.mutate({ name: "gpu", scope: "pool", capacity: GPU });
  const db = postgres(env.postgres.url, { max: 2, onnotice: () => {} });

  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const work = async (task: { payload?: unknown }, ctx: { signal: AbortSignal }) => {
    const { ms } = task.payload as { ms: number };
    await sleep(ms, ctx.signal);
    return null;
  };
  let flakyCount = 0;
  let flakyFailures = 0;
  const workers: AgentWorker[] = [];
  const worker = (name: string, capability: string, concurrency: number, flaky = false) => {
    const w = createAgentWorker({
      url: env.server.url,
      token: env.agentToken,
      name,
      capabilities: [capability],
      concurrency,
      waitMs: 5_000,
      handlers: {
        work: flaky
          ? async () => {
              flakyCount++;
              // 9 in 10 fail, like an agent with a broken environment.
              if (flakyCount % 10 !== 0) {
                flakyFailures++;
                throw new Error("flaky agent: broken environment");
              }
              return null;
            }
          : work,
      },
    });
    workers.push(w);
  };
  worker("gpu-a", "gpu", GPU);
  worker("gpu-b", "gpu", GPU);
  worker("cpu-a", "cpu", 4);
  worker("cpu-b", "cpu", 4);
  worker("cpu-flaky", "cpu", 2, true);
  // Registered (start() resolves then) and long-polling before the first submission.
  await Promise.all(workers.map((w) => w.start()));

  // The workflows first, biggest first, as the issue orders them; then the keyed tasks.
  const retry = { maxAttempts: 20, backoff: { baseS: 0.05, maxS: 0.2 } };
  const taskMs = 50;
  // The workflows' tasks have no dependencies: the critical path is one task.
  const smallCriticalPathS = taskMs / 1000;
  for (const [name, size] of Object.entries(sizes)) {
    const tasks: WorkflowInput["tasks"] = Array.from({ length: size }, (_, i) => ({
      key: `${i}`,
      name: `${name} ${i}`,
      type: "work",
      capabilities: ["cpu"],
      payload: { ms: taskMs },
      ...retry,
    }));
    await env.orchestrator.submitWorkflow({ name, tasks });
  }
  for (let i = 0; i < 30; i++) {
    await env.orchestrator.trpc.tasks.submit.mutate({
      name: `keyed ${i}`,
      type: "work",
      capabilities: ["cpu"],
      payload: { ms: 200 },
      concurrency: { key: KEY, limit: 2 },
      ...retry,
    });
  }

  // Samples: GPUs in use while GPU work waits, and the key's running count.
  const samples: { inUse: number; waiting: number; keyRunning: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [row] = await db<{ in_use: number; waiting: number; key_running: number }[]>`
        select (select in_use from resources where name = 'gpu') as in_use,
          (select count(*)::int from tasks where state = 'queued' and run_at <= now()
            and requires ? 'gpu') as waiting,
          (select count(*)::int from tasks where state = 'running' and concurrency_key = ${KEY})
            as key_running`;
      if (row)
        samples.push({ inUse: row.in_use, waiting: row.waiting, keyRunning: row.key_running });
      await sleep(100);
    }
  })();

  const started = performance.now();
  let seq = 0;
  const bigs = [...bigAtS];
  while (performance.now() - started < streamS * 1000) {
    const elapsedS = (performance.now() - started) / 1000;
    if (bigs[0] !== undefined && elapsedS >= bigs[0]) {
      bigs.shift();
      await env.orchestrator.trpc.tasks.submit.mutate({
        name: `gpu big ${seq}`,
        type: "work",
        capabilities: ["gpu"],
        requires: { gpu: GPU },
        payload: { ms: 2_000 },
        timeoutS: 10,
      });
    }
    await env.orchestrator.trpc.tasks.submit.mutate({
      name: `gpu small ${seq++}`,
      type: "work",
      capabilities: ["gpu"],
      requires: { gpu: 1 },
      payload: { ms: 500 + Math.round(Math.random() * 1_500) },
      timeoutS: 5,
    });
    await sleep(140);
  }
  log(`scheduling: stream over after ${streamS} s, draining`);
  const deadline = performance.now() + 120_000;
  for (;;) {
    const [left] = await db<{ n: number }[]>`
      select count(*)::int as n from tasks where state in ('blocked', 'queued', 'running')`;
    if (left?.n === 0) break;
    if (performance.now() > deadline) {
      log(`scheduling: ${left?.n} tasks still unfinished after 120 s of draining`);
      break;
    }
    await sleep(250);
  }
  sampling = false;
  await sampler;
  await Promise.all(workers.map((w) => w.stop({ graceMs: 1_000 })));

  const [big] = await db<{ wait: number | null; unstarted: number }[]>`
    select max(extract(epoch from coalesce(started_at, now()) - queued_at))::float8 as wait,
      count(*) filter (where started_at is null)::int as unstarted
    from tasks where name like 'gpu big %'`;
  const [small] = await db<{ makespan: number }[]>`
    select extract(epoch from max(t.finished_at) - min(w.created_at))::float8 as makespan
    from workflows w join tasks t on t.workflow_id = w.id where w.name = 'small'`;
  // Where the small workflow's time went, to read beside its makespan: every transition.
  const timeline = await db<{ line: string }[]>`
    select format('%s +%s s: %s (%s -> %s)%s', t.name,
      round(extract(epoch from e.created_at - w.created_at)::numeric, 3), e.kind,
      e.from_state, e.to_state, coalesce(' agent ' || a.name, '')) as line
    from workflows w join tasks t on t.workflow_id = w.id
    join task_events e on e.task_id = t.id left join agents a on a.id = e.agent_id
    where w.name = 'small' order by e.id`;
  for (const { line } of timeline) log(`scheduling: ${line}`);
  // The flaky agent's claims until its quarantine, on the same clock.
  const flaky = await db<{ line: string }[]>`
    select format('cpu-flaky +%s s: %s%s', round(extract(epoch from e.created_at -
        (select created_at from workflows where name = 'small'))::numeric, 3), e.kind,
      coalesce(' ' || t.name, '')) as line
    from task_events e join agents a on a.id = e.agent_id left join tasks t on t.id = e.task_id
    where a.name = 'cpu-flaky' and e.kind in ('task.started', 'agent.quarantined')
    order by e.id limit 12`;
  for (const { line } of flaky) log(`scheduling: ${line}`);
  // Jain's index over the workflows' shares of task starts while all three had work.
  const shares = await db<{ name: string; n: number }[]>`
    with bounds as (
      select max(w.created_at) as t0,
        (select min(last) from (select max(t.finished_at) as last from tasks t
          join workflows w2 on w2.id = t.workflow_id group by w2.id) l) as t1
      from workflows w
    )
    select w.name, count(t.id) filter (where t.started_at between b.t0 and b.t1)::int as n
    from workflows w cross join bounds b left join tasks t on t.workflow_id = w.id
    group by w.name`;
  const [quarantine] = await db<{ failures: number }[]>`
    select (e.data ->> 'failures')::int as failures from task_events e
    join agents a on a.id = e.agent_id
    where e.kind = 'agent.quarantined' and a.name = 'cpu-flaky' order by e.id limit 1`;
  await db.end();

  const waiting = samples.filter((s) => s.waiting > 0);
  const counts = shares.map((s) => s.n);
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  if (big?.unstarted) log(`scheduling: ${big.unstarted} 8-GPU tasks never started`);
  return {
    sched_pool_utilisation:
      waiting.reduce((total, s) => total + s.inUse / GPU, 0) / Math.max(waiting.length, 1),
    sched_big_task_wait_max_s: big?.wait ?? Number.NaN,
    sched_small_workflow_makespan_s: small?.makespan ?? Number.NaN,
    sched_small_workflow_critical_path_s: smallCriticalPathS,
    sched_small_workflow_makespan_ratio: (small?.makespan ?? Number.NaN) / smallCriticalPathS,
    sched_fairness_jain: squares > 0 ? (sum * sum) / (counts.length * squares) : Number.NaN,
    sched_key_limit_max_running: Math.max(0, ...samples.map((s) => s.keyRunning)),
    // Counted by the agent itself: a failure's event no longer names the agent it left.
    sched_flaky_agent_failures: flakyFailures,
    sched_flaky_agent_failures_at_quarantine: quarantine?.failures ?? Number.NaN,
  };
}

/** The two runs side by side, one figure per line: `name: fifo | defaults`. */
export function printSchedulingFigures(results: { label: string; figures: SchedulingFigures }[]) {
  process.stdout.write(`# columns: ${results.map((r) => r.label).join(" | ")}\n`);
  const names = Object.keys(results[0]?.figures ?? {}) as (keyof SchedulingFigures)[];
  for (const name of names) {
    const values = results.map((r) => {
      const value = r.figures[name];
      return Number.isFinite(value) ? value.toFixed(Number.isInteger(value) ? 0 : 2) : "NaN";
    });
    process.stdout.write(`${name}: ${values.join(" | ")}\n`);
  }
}
