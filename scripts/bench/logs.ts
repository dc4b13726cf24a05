/**
 * Task logs under load (`--only logs`):
 * - `log_ingest_lines_per_s`: SDK workers whose handlers call ctx.log as fast as they can,
 *   over HTTP (tasks.logMany batches); lines stored per second, from the first claim to the
 *   last completion (a task's lines are flushed before its completion, so all are stored).
 *   Meanwhile another fleet drains no-op tasks: their claim rate is printed next to the same
 *   fleet's rate with no logging going on, to show logging leaves claims alone.
 * - `log_tail_p99_ms`: one agent logs a line, waits until a `tasks.followLog` subscriber has
 *   it, and goes again: the time from the call to the line on the stream.
 */
import postgres from "postgres";
import { createTaskManagerClient } from "@/sdk";
import type { LogLine } from "@/server/logs/read";
import { parseSseMessage } from "@/test/sse-message";
import { type Fleet, startFleet } from "./fleet";
import type { BenchEnvironment } from "./setup";
import { log, now, quantile, summary, timedFetch } from "./stats";

export interface LogBenchParams {
  /** Tasks that log, and lines each logs. */
  loggingTasks: number;
  linesPerTask: number;
  /** No-op tasks drained meanwhile (and once before, without logging). */
  claimTasks: number;
  workers: number;
  /** Lines followed for the tail latency. */
  tailLines: number;
  timeoutMs: number;
}

export interface LogBenchResult {
  linesPerS: number;
  claimsPerSWhileLogging: number;
  claimsPerSAlone: number;
  tailMs: number[];
  detail: Record<string, unknown>;
}

export async function runLogBench(
  env: BenchEnvironment,
  params: LogBenchParams,
): Promise<LogBenchResult> {
  const alone = await drainNoops(env, params, "bench-claims-alone");
  log(`logs: ${params.claimTasks} no-op tasks alone at ${alone.perS.toFixed(0)} tasks/s`);

  const logger = "bench-logs";
  await submitMany(env, logger, "chatty", params.loggingTasks);
  const linesPerTask = params.linesPerTask;
  const timing = timedFetch();
  const loggers = await startFleet(env, {
    fetch: timing.fetch,
    name: logger,
    size: params.workers,
    concurrency: 25,
    claimBatch: 25,
    completeBatchMs: 2,
    handlers: {
      chatty: async (task, ctx) => {
        for (let i = 0; i < linesPerTask; i++) {
          ctx.log.info(`step ${i} of ${task.id}: processed a chunk of the input`, { i });
          // A handler that does some work between lines, as real ones do.
          if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
        }
        return null;
      },
    },
  });
  const span = timeSpan(loggers);
  log(
    `logs: ${params.loggingTasks} tasks × ${linesPerTask} lines on ${params.workers} workers, with no-op tasks draining meanwhile`,
  );
  const [, during] = await Promise.all([
    loggers.completions(params.loggingTasks, params.timeoutMs).finally(() => loggers.stop()),
    drainNoops(env, params, "bench-claims-during"),
  ]);
  const stored = await countLines(env.postgres.url);
  const ingestMs = span.last - span.first;
  const expected = params.loggingTasks * linesPerTask;
  log(
    `logs: ${stored} of ${expected} lines stored in ${(ingestMs / 1000).toFixed(1)} s; no-op tasks at ${during.perS.toFixed(0)} tasks/s meanwhile`,
  );
  const tailMs = await tailLatency(env, params.tailLines);
  return {
    linesPerS: stored / (ingestMs / 1000),
    claimsPerSWhileLogging: during.perS,
    claimsPerSAlone: alone.perS,
    tailMs,
    detail: {
      stored,
      expected,
      ingestMs: Math.round(ingestMs),
      noopsWhileLoggingMs: Math.round(during.ms),
      loggers: loggers.problems(),
      callMs: timing.report(),
      tail: summary(tailMs),
    },
  };
}

function timeSpan(fleet: Fleet) {
  const span = { first: Number.POSITIVE_INFINITY, last: 0 };
  for (const worker of fleet.workers) {
    worker.events.on("claimed", ({ at }) => {
      span.first = Math.min(span.first, at);
    });
    worker.events.on("completed", ({ at }) => {
      span.last = Math.max(span.last, at);
    });
  }
  return span;
}

async function submitMany(env: BenchEnvironment, capability: string, type: string, count: number) {
  for (let offset = 0; offset < count; offset += 5000) {
    const size = Math.min(5000, count - offset);
    await env.orchestrator.submitWorkflow({
      name: `${capability} ${offset}`,
      tasks: Array.from({ length: size }, (_, index) => ({
        key: `t${offset + index}`,
        name: `${type} ${offset + index}`,
        type,
        capabilities: [capability],
      })),
    });
  }
}

/** Drains `claimTasks` no-op tasks with their own fleet; tasks per second, claim to completion. */
async function drainNoops(env: BenchEnvironment, params: LogBenchParams, capability: string) {
  await submitMany(env, capability, "noop", params.claimTasks);
  const fleet = await startFleet(env, {
    name: capability,
    size: 2,
    concurrency: 50,
    claimBatch: 50,
    completeBatchMs: 2,
    handlers: { noop: async () => undefined },
  });
  const span = timeSpan(fleet);
  try {
    await fleet.completions(params.claimTasks, params.timeoutMs);
  } finally {
    await fleet.stop();
  }
  const ms = span.last - span.first;
  return { ms, perS: params.claimTasks / (ms / 1000) };
}

async function countLines(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ count: number }[]>`select count(*)::int as count from task_logs`;
    return row?.count ?? 0;
  } finally {
    await sql.end();
  }
}

/** An agent holding one task, heartbeating while its lines are followed. */
async function tailLatency(env: BenchEnvironment, lines: number): Promise<number[]> {
  const capability = "bench-tail";
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const agent = await admin.trpc.agents.register.mutate({
    name: "bench tail agent",
    capabilities: [capability],
    capacity: {},
  });
  const { task } = await admin.trpc.tasks.submit.mutate({
    name: "followed",
    capabilities: [capability],
    leaseS: 600,
  });
  const { tasks } = await admin.trpc.agents.claim.mutate({ agentId: agent.id, waitMs: 10_000 });
  const held = tasks[0];
  if (held?.id !== task.id) throw new Error("the tail agent did not claim its task");

  // tasks.log is no heartbeat: without one the agent goes offline after 30 s, its lease with it.
  const heartbeat = setInterval(() => {
    admin.trpc.agents.heartbeat.mutate({ agentId: agent.id }).catch(() => {});
  }, 5_000);
  try {
    return await followedLatencies(
      env,
      { agentId: agent.id, taskId: task.id, leaseEpoch: held.leaseEpoch },
      lines,
    );
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * The agent logs `lines` lines one at a time; each call's start to the moment a followLog
 * stream (read as any HTTP client would) delivers that line.
 */
async function followedLatencies(
  env: BenchEnvironment,
  lease: { agentId: string; taskId: string; leaseEpoch: number },
  lines: number,
): Promise<number[]> {
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const arrivals = new Map<number, number>();
  let notify: (() => void) | undefined;
  const controller = new AbortController();
  const url = new URL("/api/trpc/tasks.followLog", env.server.url);
  url.searchParams.set("input", JSON.stringify({ taskId: lease.taskId }));
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${env.server.adminToken}` },
    signal: controller.signal,
  });
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader || response.status !== 200) throw new Error(`followLog: HTTP ${response.status}`);
  let connected: () => void = () => {};
  const isConnected = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const reading = (async () => {
    let buffer = "";
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      const at = now();
      buffer += chunk.value;
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        const message = parseSseMessage(block);
        if (message?.event === "connected") connected();
        if (message?.event !== "message") continue;
        for (const line of (JSON.parse(message.data) as { lines: LogLine[] }).lines) {
          arrivals.set(Number(line.message), at);
        }
        notify?.();
      }
    }
  })();
  await isConnected;

  const latencies: number[] = [];
  for (let i = 0; i < lines; i++) {
    const arrived = new Promise<void>((resolve) => {
      notify = () => {
        if (arrivals.has(i)) resolve();
      };
    });
    const started = now();
    await admin.trpc.tasks.log.mutate({
      agentId: lease.agentId,
      taskId: lease.taskId,
      leaseEpoch: lease.leaseEpoch,
      lines: [{ level: "info", message: String(i) }],
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      arrived,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`line ${i} never reached the follower`)), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    latencies.push((arrivals.get(i) ?? Number.NaN) - started);
  }
  controller.abort();
  await reading;
  log(`logs: tail p50 ${quantile(latencies, 0.5).toFixed(1)} ms over ${lines} lines`);
  return latencies;
}
