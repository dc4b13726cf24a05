/**
 * Task logs under load (`--only logs`):
 * - Steady claims: no-op tasks submitted at a fixed rate the machine sustains comfortably
 *   (`claimRate`), claimed and completed by their own SDK fleet, for `steadyS` seconds alone
 *   and again while SDK workers log through ctx.log at `logRate` lines/s over HTTP
 *   (tasks.logMany): `log_ingest_lines_per_s` (lines stored per second meanwhile),
 *   `claims_alone_per_s` / `claims_while_logging_per_s` (steady tasks claimed per second) and
 *   `claim_p99_alone_ms` / `claim_p99_while_logging_ms` (each task's submit call to its claim
 *   by a worker). What the claim that logging leaves claims alone rests on.
 * - Saturated, for honesty: the same no-op fleet draining as fast as it can, alone and while
 *   loggers log as fast as they can (two cores shared by all of it).
 * - `log_tail_p99_ms`: log-tail.ts.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { startFleet } from "./fleet";
import { tailLatency } from "./log-tail";
import { type BenchEnvironment, repoRoot } from "./setup";
import { log, now, quantile, summary, timedFetch } from "./stats";

export interface LogBenchParams {
  /** Steady no-op tasks submitted per second, and for how long each steady phase lasts. */
  claimRate: number;
  steadyS: number;
  /** Lines per second offered by the loggers during the steady phase with logging. */
  logRate: number;
  /** Saturated phase: tasks that log flat out, and lines each logs. */
  loggingTasks: number;
  linesPerTask: number;
  /** Saturated phase: no-op tasks drained meanwhile (and once before, without logging). */
  claimTasks: number;
  workers: number;
  /** Lines followed for the tail latency. */
  tailLines: number;
  timeoutMs: number;
}

export interface SteadyFigures {
  /** Steady tasks claimed per second over the phase (the offered rate if claims keep up). */
  claimsPerS: number;
  /** Each task's submit call to its claim by a worker. */
  claimMs: number[];
}

export interface LogBenchResult {
  /** Lines stored per second while the steady claims ran. */
  linesPerS: number;
  steadyAlone: SteadyFigures;
  steadyWhileLogging: SteadyFigures;
  saturated: { linesPerS: number; claimsPerSAlone: number; claimsPerSWhileLogging: number };
  tailMs: number[];
  detail: Record<string, unknown>;
}

export async function runLogBench(
  env: BenchEnvironment,
  params: LogBenchParams,
): Promise<LogBenchResult> {
  const steady = await startSteadyFleet(env);
  let steadyAlone: SteadyFigures;
  let steadyWhileLogging: SteadyFigures;
  let paced: { linesPerS: number; problems: unknown };
  try {
    steadyAlone = await steady.phase(params);
    log(
      `logs: steady claims alone: ${steadyAlone.claimsPerS.toFixed(0)}/s, p99 ${quantile(steadyAlone.claimMs, 0.99).toFixed(1)} ms`,
    );
    const logging = await pacedLogging(env, params, () => steady.phase(params));
    paced = logging;
    steadyWhileLogging = logging.during;
    log(
      `logs: steady claims while logging ${paced.linesPerS.toFixed(0)} lines/s: ${steadyWhileLogging.claimsPerS.toFixed(0)}/s, p99 ${quantile(steadyWhileLogging.claimMs, 0.99).toFixed(1)} ms`,
    );
  } finally {
    await steady.stop();
  }
  const saturated = await saturatedFigures(env, params);
  const tailMs = await tailLatency(env, params.tailLines);
  return {
    linesPerS: paced.linesPerS,
    steadyAlone,
    steadyWhileLogging,
    saturated: saturated.figures,
    tailMs,
    detail: {
      claimRate: params.claimRate,
      logRate: params.logRate,
      steadyAlone: summary(steadyAlone.claimMs),
      steadyWhileLogging: summary(steadyWhileLogging.claimMs),
      pacedLoggers: paced.problems,
      saturated: saturated.detail,
      tail: summary(tailMs),
    },
  };
}

/**
 * A no-op fleet that stays up across phases; each phase submits `claimRate` tasks a second
 * (a small workflow every 200 ms) for `steadyS` seconds and waits for all of them to be
 * claimed and completed. A task's payload carries its submit time.
 */
async function startSteadyFleet(env: BenchEnvironment) {
  const capability = "bench-steady";
  const fleet = await startFleet(env, {
    name: capability,
    size: 2,
    concurrency: 50,
    claimBatch: 50,
    completeBatchMs: 2,
    handlers: { noop: async () => undefined },
  });
  let claims: number[] | undefined;
  for (const worker of fleet.workers) {
    worker.events.on("claimed", ({ tasks, at }) => {
      for (const task of tasks) {
        const submitted = (task.payload as { submittedAt?: number } | null)?.submittedAt;
        if (claims && typeof submitted === "number") claims.push(at - submitted);
      }
    });
  }
  let round = 0;
  return {
    async phase(params: LogBenchParams): Promise<SteadyFigures> {
      // Five workflows a second: a workflow's submit has a fixed cost that many small ones
      // would make the bottleneck on a busy machine.
      const tickMs = 200;
      const perTick = Math.max(1, Math.round((params.claimRate * tickMs) / 1000));
      const ticks = Math.round((params.steadyS * 1000) / tickMs);
      const phaseClaims: number[] = [];
      claims = phaseClaims;
      round += 1;
      const started = now();
      const submits: Promise<unknown>[] = [];
      for (let tick = 0; tick < ticks; tick++) {
        // Ticks keep to the clock: a slow submit delays none after it.
        const due = started + tick * tickMs;
        if (due > now()) await new Promise((resolve) => setTimeout(resolve, due - now()));
        const submittedAt = now();
        submits.push(
          env.orchestrator.submitWorkflow({
            name: `steady ${round}.${tick}`,
            tasks: Array.from({ length: perTick }, (_, index) => ({
              key: `t${index}`,
              name: `noop ${index}`,
              type: "noop",
              capabilities: [capability],
              payload: { submittedAt },
            })),
          }),
        );
      }
      await Promise.all(submits);
      const expected = ticks * perTick;
      const deadline = now() + params.timeoutMs;
      while (phaseClaims.length < expected && now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const ms = now() - started;
      claims = undefined;
      return { claimsPerS: phaseClaims.length / (ms / 1000), claimMs: phaseClaims };
    },
    stop: () => fleet.stop(),
  };
}

/** Lines stored so far (one row per task with a log: cheap to read while lines pour in). */
async function storedLineCount(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ count: string | null }[]>`
    select sum(next_seq - 1)::text as count from task_log_state`;
  return Number(row?.count ?? 0);
}

/**
 * Loggers offering `logRate` lines a second between them (one budget shared by every
 * handler; in a process of their own, log-load.ts) while `during` runs; the lines stored per
 * second over `during`.
 */
async function pacedLogging<T>(
  env: BenchEnvironment,
  params: LogBenchParams,
  during: () => Promise<T>,
) {
  const capability = "bench-paced-logs";
  const sql = postgres(env.postgres.url, { max: 1, onnotice: () => {} });
  // More lines than the phase can take: the handlers stop when it is over.
  const linesPerTask = 5_000;
  const tasks = Math.ceil((params.logRate * (params.steadyS + 5)) / linesPerTask);
  await submitMany(env, capability, "paced", tasks);
  const load = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["scripts/bench/log-load.ts"], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "inherit"],
    env: {
      ...process.env,
      BENCH_LOG_LOAD: JSON.stringify({
        url: env.server.url,
        token: env.agentToken,
        capability,
        workers: params.workers,
        logRate: params.logRate,
        linesPerTask,
      }),
    },
  });
  const output: string[] = [];
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  load.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.push(chunk);
    if (output.join("").includes("ready\n")) ready();
  });
  const exited = new Promise<void>((resolve) => load.on("exit", () => resolve()));
  let measured: { during: T; linesPerS: number };
  try {
    await Promise.race([isReady, exited]);
    // A second for the loggers to reach their pace before the measured phase.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = { lines: await storedLineCount(sql), at: now() };
    const result = await during();
    const after = { lines: await storedLineCount(sql), at: now() };
    measured = {
      during: result,
      linesPerS: (after.lines - before.lines) / ((after.at - before.at) / 1000),
    };
  } finally {
    load.stdin.end();
    await exited;
    await sql.end();
  }
  // Its last line: lines it logged and errors its workers met.
  return { ...measured, problems: output.join("").trim().split("\n").at(-1) ?? "" };
}

/** The no-op fleet draining flat out, alone and while loggers log flat out. */
async function saturatedFigures(env: BenchEnvironment, params: LogBenchParams) {
  const alone = await drainNoops(env, params, "bench-claims-alone");
  log(`logs: ${params.claimTasks} no-op tasks alone at ${alone.perS.toFixed(0)} tasks/s`);

  const logger = "bench-logs";
  await submitMany(env, logger, "chatty", params.loggingTasks);
  const linesPerTask = params.linesPerTask;
  const timing = timedFetch();
  const sql = postgres(env.postgres.url, { max: 1, onnotice: () => {} });
  const storedBefore = await storedLineCount(sql);
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
  log(
    `logs: ${params.loggingTasks} tasks × ${linesPerTask} lines on ${params.workers} workers, flat out, with no-op tasks draining meanwhile`,
  );
  const [, during] = await Promise.all([
    loggers
      .completedSinceStart(params.loggingTasks, params.timeoutMs)
      .finally(() => loggers.stop()),
    drainNoops(env, params, "bench-claims-during"),
  ]);
  const stored = (await storedLineCount(sql)) - storedBefore;
  await sql.end();
  const { firstClaimAt, lastCompletionAt } = loggers.span();
  const ingestMs = lastCompletionAt - firstClaimAt;
  const expected = params.loggingTasks * linesPerTask;
  log(
    `logs: ${stored} of ${expected} lines stored in ${(ingestMs / 1000).toFixed(1)} s; no-op tasks at ${during.perS.toFixed(0)} tasks/s meanwhile`,
  );
  return {
    figures: {
      linesPerS: stored / (ingestMs / 1000),
      claimsPerSAlone: alone.perS,
      claimsPerSWhileLogging: during.perS,
    },
    detail: {
      stored,
      expected,
      ingestMs: Math.round(ingestMs),
      noopsWhileLoggingMs: Math.round(during.ms),
      loggers: loggers.problems(),
      callMs: timing.report(),
    },
  };
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
  try {
    await fleet.completedSinceStart(params.claimTasks, params.timeoutMs);
  } finally {
    await fleet.stop();
  }
  const { firstClaimAt, lastCompletionAt } = fleet.span();
  const ms = lastCompletionAt - firstClaimAt;
  return { ms, perS: params.claimTasks / (ms / 1000) };
}
