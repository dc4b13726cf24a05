import postgres from "postgres";
import type { WorkflowInput } from "@/sdk";
import { startFleet } from "./fleet";
import { cpuMeter } from "./process-cpu";
import type { BenchEnvironment } from "./setup";
import { log, now, summary, timedFetch } from "./stats";

export interface ThroughputParams {
  tasks: number;
  workers: number;
  concurrency: number;
  claimBatch: number;
  /** Tasks per workflows.submit call. */
  submitChunk: number;
  completeBatchMs: number;
  timeoutMs: number;
  /** The SDK's claimOnComplete (default true). */
  claimOnComplete?: boolean;
}

export interface ThroughputResult {
  submitRate: number;
  throughput: number;
  /**
   * Durations of the drain's calls that handed an agent tasks, ms: agents.claim calls that
   * returned tasks, and tasks.completeMany calls that carried a claim and returned tasks (with
   * claimOnComplete most claims ride on completions; such a call's time includes its
   * completions, which share the claim's transaction and commit).
   */
  claimMs: number[];
  detail: Record<string, unknown>;
}

/**
 * Like the peer harness: enqueue everything first (timed on its own), refresh planner
 * statistics as autovacuum would, then drain with K workers; throughput = N / (first claim →
 * last acknowledged completion).
 */
export async function runThroughput(
  env: BenchEnvironment,
  params: ThroughputParams,
  /** Called around the two measured phases (bench --profile starts and stops profilers). */
  phase: (name: "submit" | "drain", edge: "start" | "end") => Promise<void> = async () => {},
): Promise<ThroughputResult> {
  const capability = "bench-throughput";
  log(`throughput: submitting ${params.tasks} tasks in workflows of ${params.submitChunk}`);
  await phase("submit", "start");
  const submitStarted = now();
  const workflowIds: string[] = [];
  for (let offset = 0; offset < params.tasks; offset += params.submitChunk) {
    const size = Math.min(params.submitChunk, params.tasks - offset);
    const tasks: WorkflowInput["tasks"] = Array.from({ length: size }, (_, index) => ({
      key: `t${offset + index}`,
      name: `noop ${offset + index}`,
      type: "noop",
      capabilities: [capability],
      payload: { i: offset + index },
    }));
    const submitted = await env.orchestrator.submitWorkflow({
      name: `throughput ${offset}`,
      tasks,
    });
    workflowIds.push(submitted.workflow.id);
  }
  const submitMs = now() - submitStarted;
  await phase("submit", "end");
  await analyze(env.postgres.url);

  const timing = timedFetch();
  const claimMs: number[] = [];
  const explicitClaimMs: number[] = [];
  const completeClaimMs: number[] = [];
  // Calls that came back without tasks long-polled (the drain's tail) or claimed nothing: their
  // time is waiting or completing, not claiming.
  const fetchTimingClaims: typeof fetch = async (input, init) => {
    const started = now();
    const response = await timing.fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const claimed = async () => !(await response.clone().text()).includes('"tasks":[]');
    if (url.endsWith("/agents.claim")) {
      if (await claimed()) explicitClaimMs.push(now() - started);
    } else if (url.endsWith("/tasks.completeMany") && carriesClaim(init?.body)) {
      if (await claimed()) completeClaimMs.push(now() - started);
    }
    return response;
  };
  // Before the fleet starts: its workers claim as soon as each has registered, and the
  // profilers, the CPU meters and the listeners must see the whole drain.
  await phase("drain", "start");
  let claims = 0;
  let lastBatchAt = 0;
  let completeBatches = 0;
  log(
    `throughput: ${params.workers} workers × concurrency ${params.concurrency}, claim ≤ ${params.claimBatch}`,
  );
  const cpuBefore = process.cpuUsage();
  const meter = await cpuMeter(env.postgres.url, env.serverPid());
  const fleet = await startFleet(env, {
    name: capability,
    size: params.workers,
    concurrency: params.concurrency,
    claimBatch: params.claimBatch,
    completeBatchMs: params.completeBatchMs,
    claimOnComplete: params.claimOnComplete,
    completeBatchSize: 1000,
    fetch: fetchTimingClaims,
    handlers: { noop: async () => undefined },
    listen: (worker) => {
      worker.events.on("claimed", () => claims++);
      // A batch's completions share its answer's time.
      worker.events.on("completed", ({ at }) => {
        if (at !== lastBatchAt) completeBatches++;
        lastBatchAt = at;
      });
    },
  });
  try {
    await fleet.completedSinceStart(params.tasks, params.timeoutMs);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; ${JSON.stringify(fleet.problems())}; ${await stuckReport(env.postgres.url, workflowIds)}`,
    );
  } finally {
    await fleet.stop();
  }
  await phase("drain", "end");
  const { firstClaimAt, lastCompletionAt } = fleet.span();
  const drainMs = lastCompletionAt - firstClaimAt;
  const cpu = process.cpuUsage(cpuBefore);
  const { serverMs, postgresMs } = meter();
  const perTaskUs = (ms: number) => Math.round((ms / params.tasks) * 1000);
  claimMs.push(...explicitClaimMs, ...completeClaimMs);
  return {
    submitRate: params.tasks / (submitMs / 1000),
    throughput: params.tasks / (drainMs / 1000),
    claimMs,
    detail: {
      tasks: params.tasks,
      submitMs: Math.round(submitMs),
      drainMs: Math.round(drainMs),
      claims,
      tasksPerClaim: Math.round((params.tasks / claims) * 10) / 10,
      completeBatches,
      // This process runs every worker: its CPU time shows whether the client is the limit.
      workersCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      // CPU per task (µs) of the drain: steadier than its wall time on a shared machine.
      cpuUsPerTask: {
        server: perTaskUs(serverMs),
        postgres: perTaskUs(postgresMs),
        workers: perTaskUs((cpu.user + cpu.system) / 1000),
      },
      ...fleet.problems(),
      callMs: timing.report(),
      claimMs: summary(claimMs),
      explicitClaimMs: summary(explicitClaimMs),
      completeClaimMs: summary(completeClaimMs),
    },
  };
}

/** Whether a tasks.completeMany body asks for a claim (the SDK leaves `claim` out otherwise). */
function carriesClaim(body: RequestInit["body"]): boolean {
  return typeof body === "string" && /"claim":[1-9]/.test(body);
}

/**
 * What a stuck drain is waiting for: its tasks that did not succeed, counted by state, agent and
 * attempt with their lease (waiting to be claimed, held, or ended otherwise), and the database
 * sessions that are not idle (a transaction waiting on a lock, or one left open).
 */
async function stuckReport(url: string, workflowIds: string[]): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tasks = await sql`
      select state, agent_id, attempts, min(lease_expires_at) as lease_until, count(*)::int as n
      from tasks where workflow_id = any(${workflowIds}::uuid[]) and state <> 'succeeded'
      group by 1, 2, 3`;
    const sessions = await sql`
      select application_name, state, wait_event_type, wait_event,
        round(extract(epoch from now() - xact_start)) as xact_s, left(query, 100) as query
      from pg_stat_activity
      where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid()`;
    return `not succeeded: ${JSON.stringify(tasks)}; sessions: ${JSON.stringify(sessions)}`;
  } finally {
    await sql.end();
  }
}

async function analyze(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`analyze`;
  } finally {
    await sql.end();
  }
}
