/**
 * `npm run bench [-- --quick]`: the task manager's throughput and dependency release latency
 * over HTTP with the SDK's worker, next to graphile-worker on the same PostgreSQL server.
 * Figures print as `name: value unit`, progress as `# …`.
 *
 * Then alert latency (condition true → `alert.opened` on events.stream), SSE fan-out, and the
 * pages in Chromium: the board's first render over 10,000 more tasks, and the graph page with
 * a 2,000-task workflow (layout and first full render), a run's timeline of 2,000 tasks, the
 * runs list over 100,000 runs, the task page's log panel over 100,000 lines and the overview over
 * 1,000,000 finished tasks; then database outages
 * and schedule fire lag.
 *
 * Options: --quick (5,000 tasks, 10 alert rounds, 1,000 subscribers; 5,000 in full), --tasks N, --workers K,
 * --concurrency C and --claim-batch B (the throughput drain's; 500 each), --submit-chunk S, --alert-rounds R, --subscribers N,
 * --skip-graphile, --skip-ui (no Chromium figures), --skip-outage, --skip-schedules,
 * --skip-history,
 * --profile (throughput only, then the statements that took the database's time and the
 * server's CPU profile, then a chain hop's breakdown by phase), --soak-minutes N (only the wall soak: the wall's JS heap in Chromium
 * at the start and end of N minutes with the demo fleet running). One group alone:
 * - --only ui: the Chromium figures, on a database holding only their tasks;
 * - --only runs: `workflows_list_100k_ms`;
 * - --only outage: PostgreSQL stopped and started under the server (`outage_fail_ms`,
 *   `outage_recovery_ms`);
 * - --only overview: 1,000,000 finished tasks seeded, the overview's rollup built from their
 *   events (`overview_rollup_build_s`) and `/overview` rendered in Chromium
 *   (`overview_render_ms`, `overview_render_7d_ms`);
 * - --only schedules: the fire lag of --schedules N schedules (default 1,000) due every second
 *   for --schedule-seconds S (default 60): `schedule_fire_lag_p99_ms`;
 * - --only logs: task logs through the SDK: no-op tasks submitted at --claim-rate (default
 *   100/s) claimed alone and while loggers offer --log-rate lines/s (default 60,000):
 *   `log_ingest_lines_per_s`, `claims_alone_per_s`, `claims_while_logging_per_s`,
 *   `claim_p99_alone_ms`, `claim_p99_while_logging_ms`; then both flat out
 *   (`log_ingest_saturated_lines_per_s`, `claims_saturated_*_per_s`) and a followed log's tail
 *   (`log_tail_p99_ms`).
 * - --only task-log-ui: the task page's log panel over 100,000 lines alone (also in --only ui):
 *   `log_panel_100k_render_ms`, `log_panel_scroll_p95_frame_ms`, `log_panel_tail_p50_ms`, …
 * - --only latency: the dependency hop (`dep_release_*`, `dep_handler_to_handler_p50`/`_p99`);
 *   with --profile, only the hop's breakdown table (see hop-profile.ts);
 *   --no-claim-on-complete runs the SDK workers (latency and throughput) without
 *   claimOnComplete, for A/B.
 * - --only signals: `signal_to_dependent_claim_p50_ms`, a signal's acknowledgement to a waiting
 *   SDK agent's claim of the task after the gate (--signal-rounds R, default 100).
 * - --only fanout: the event fan-out alone (--subscribers N, default 5,000; 1,000 with --quick);
 *   with --profile, the server's CPU profile of the burst and of the steady phase too;
 * - --only history: the throughput drain on an empty database, then with 1,000,000 finished
 *   tasks and 3,000,000 events seeded (`throughput_1m_history`, `claim_p99_1m_history_ms` and
 *   their ratios to the empty figures); the full run ends with it (--skip-history: not);
 *   with --profile, the drains' statements (pg_stat_statements) empty and with history side by side.
 * - --only throughput: the SDK drain (`throughput`, `claim_p99_ms`), then graphile-worker tuned
 *   on the same PostgreSQL with our server stopped (`graphile_tuned`, `ratio_vs_graphile_tuned`;
 *   --skip-graphile: the drain alone).
 * - --only scheduling: one mixed workload (a GPU pool, three workflows, a concurrency key, a
 *   flaky agent) run twice, fifo without reservations then the defaults, figures side by side
 *   (`sched_pool_utilisation`, `sched_big_task_wait_max_s`, …; --quick: a smaller workload).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { startDemoFleet } from "../demo/fleet";
import { runAlertLatency } from "./alerts";
import { type FanoutParams, runFanout } from "./fanout";
import { ensurePeerHarness, graphileThroughput } from "./graphile";
import { runHistoryComparison } from "./history";
import { runHopProfile } from "./hop-profile";
import { runLatency } from "./latency";
import { runLogBench } from "./logs";
import { runOutage } from "./outage";
import { runOverviewRender } from "./overview";
import {
  cpuProfilerEnv,
  logCpuProfile,
  logTopStatements,
  PROFILE_PG_SETTINGS,
  phaseLogEnv,
  resetStatements,
  toggleCpuProfile,
} from "./profile";
import { runScheduleLag } from "./schedules";
import { printSchedulingFigures, runSchedulingComparison } from "./scheduling";
import { vacuumHistory } from "./seed-history";
import { repoRoot, startBenchEnvironment } from "./setup";
import { runSignalLatency } from "./signals";
import {
  addRelationDelta,
  addStatements,
  logStatementComparison,
  relationBlocks,
  type StatementSnapshot,
} from "./statement-diff";
import { figure, log, quantile } from "./stats";
import { runThroughput } from "./throughput";
import { runBoardRender } from "./ui-board";
import { runGraphLayout } from "./ui-graph";
import { runRunsListRender } from "./ui-runs";
import { runTaskLogRender } from "./ui-task-log";
import { runTimelineRender } from "./ui-timeline";
import { runWallSoak } from "./wall-soak";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    tasks: { type: "string" },
    workers: { type: "string", default: "4" },
    concurrency: { type: "string" },
    "claim-batch": { type: "string" },
    "submit-chunk": { type: "string", default: "5000" },
    "alert-rounds": { type: "string" },
    subscribers: { type: "string" },
    "skip-graphile": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "soak-minutes": { type: "string" },
    "skip-ui": { type: "boolean", default: false },
    "skip-outage": { type: "boolean", default: false },
    "skip-schedules": { type: "boolean", default: false },
    "skip-history": { type: "boolean", default: false },
    schedules: { type: "string" },
    "schedule-seconds": { type: "string" },
    only: { type: "string" },
    "signal-rounds": { type: "string" },
    "no-claim-on-complete": { type: "boolean", default: false },
    "claim-rate": { type: "string" },
    "log-rate": { type: "string" },
  },
});

const positive = (name: string, value: string | undefined, fallback: number) => {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`--${name}: expected a positive integer`);
  return number;
};

const tasks = positive("tasks", args.tasks, args.quick ? 5_000 : 20_000);
const workers = positive("workers", args.workers, 4);
const alertRounds = positive("alert-rounds", args["alert-rounds"], args.quick ? 10 : 20);
const subscribers = positive("subscribers", args.subscribers, args.quick ? 1_000 : 5_000);

async function main() {
  const started = performance.now();
  if (args["soak-minutes"] !== undefined) await soak();
  else if (args.profile && args.only === "latency") await hopProfile();
  else if (args.profile && args.only === "fanout") await fanoutProfile();
  else if (args.profile && args.only === "history") await historyFigures(true, true);
  else if (args.profile) await profile();
  else if (args.only === "latency") await latencyOnly();
  else if (args.only === "ui") await uiOnly();
  else if (args.only === "outage") await outageFigures();
  else if (args.only === "schedules") await scheduleFigures();
  else if (args.only === "runs") await runsOnly();
  else if (args.only === "overview") await overviewOnly();
  else if (args.only === "logs") await logFigures();
  else if (args.only === "task-log-ui") await withEnvironment(taskLogFigures);
  else if (args.only === "signals") await signalsOnly();
  else if (args.only === "fanout") await fanoutOnly();
  else if (args.only === "history") await historyFigures(true);
  else if (args.only === "throughput") await throughputOnly();
  else if (args.only === "scheduling") {
    printSchedulingFigures(await runSchedulingComparison({ quick: args.quick }));
  } else if (args.only !== undefined) {
    throw new Error(
      `--only: expected "latency", "ui", "runs", "overview", "outage", "schedules", "logs", "task-log-ui", "signals", "fanout", "history", "throughput" or "scheduling"`,
    );
  } else await benchmark();
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Each SDK worker claims (and, with claimOnComplete, completes) up to 500 tasks a call: the size
 * of graphile-worker tuned's local queue, the jobs it fetches per query, which the ratio is
 * taken against. At 100 a call the drain cost about twice the CPU per task (a call's fixed
 * costs: HTTP, auth, the transaction and its commit); `--concurrency 100 --claim-batch 100`
 * gives that figure.
 */
const THROUGHPUT_BATCH = 500;

function throughputParams() {
  return {
    tasks,
    workers,
    concurrency: positive("concurrency", args.concurrency, THROUGHPUT_BATCH),
    claimBatch: positive("claim-batch", args["claim-batch"], THROUGHPUT_BATCH),
    submitChunk: positive("submit-chunk", args["submit-chunk"], 5_000),
    completeBatchMs: 2,
    timeoutMs: 240_000,
    claimOnComplete: !args["no-claim-on-complete"],
  };
}

/** The dependency hop: a chain and a layered DAG through SDK workers. */
async function latencyFigures(env: Awaited<ReturnType<typeof startBenchEnvironment>>) {
  const latency = await runLatency(env, {
    chain: 200,
    layers: 10,
    width: 50,
    workers,
    timeoutMs: 120_000,
    claimOnComplete: !args["no-claim-on-complete"],
  });
  log(`latency detail: ${JSON.stringify(latency)}`);
  figure("dep_release_p50", latency.chain.release.p50, "ms");
  figure("dep_release_p99", latency.chain.release.p99, "ms");
  figure("dep_release_layered_p50", latency.layered.release.p50, "ms");
  figure("dep_release_layered_p99", latency.layered.release.p99, "ms");
  figure("dep_handler_to_handler_p50", latency.chain.handlerToHandler.p50, "ms");
  figure("dep_handler_to_handler_p99", latency.chain.handlerToHandler.p99, "ms");
}

async function latencyOnly() {
  const env = await startBenchEnvironment();
  try {
    await latencyFigures(env);
  } finally {
    await env.close();
  }
}

/**
 * A chain hop's milliseconds by phase, from the server's phase log and the workers' clocks:
 * with the SDK's claimOnComplete off and on, alternated (twice each), so both see the same
 * machine load.
 */
async function hopBreakdown(env: Awaited<ReturnType<typeof startBenchEnvironment>>, file: string) {
  for (const claimOnComplete of [false, true, false, true]) {
    log(`hop breakdown, claimOnComplete ${claimOnComplete ? "on" : "off"}:`);
    await runHopProfile(env, file, {
      chain: 200,
      workers,
      concurrency: 50,
      claimOnComplete,
      timeoutMs: 120_000,
    });
  }
}

/** `--only latency --profile`: the hop breakdown alone. */
async function hopProfile() {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const dir = await mkdtemp(path.join(repoRoot, ".test-data", "bench-hops-"));
  try {
    const file = path.join(dir, "phases.jsonl");
    const env = await startBenchEnvironment({
      serverEnv: { ...cpuProfilerEnv(dir), ...phaseLogEnv(file) },
    });
    try {
      await hopBreakdown(env, file);
      // The server's CPU over one more chain, claimOnComplete on: what its part of a hop costs.
      const pid = env.serverPid();
      if (pid !== undefined) {
        toggleCpuProfile(pid);
        await runHopProfile(env, file, {
          chain: 200,
          workers,
          concurrency: 50,
          claimOnComplete: true,
          timeoutMs: 120_000,
        });
        toggleCpuProfile(pid);
        await logCpuProfile(dir, pid, 1, "chain hops", 40);
      }
    } finally {
      await env.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A signal's acknowledgement to the claim of the task after its gate. */
async function signalFigures(env: Awaited<ReturnType<typeof startBenchEnvironment>>) {
  const signals = await runSignalLatency(env, {
    rounds: positive("signal-rounds", args["signal-rounds"], args.quick ? 30 : 100),
    workers,
    timeoutMs: 30_000,
  });
  log(`signals detail: ${JSON.stringify(signals)}`);
  figure("signal_to_dependent_claim_p50_ms", signals.claim.p50, "ms");
  figure("signal_to_dependent_claim_p99_ms", signals.claim.p99, "ms");
}

async function signalsOnly() {
  const env = await startBenchEnvironment();
  try {
    await signalFigures(env);
  } finally {
    await env.close();
  }
}

/**
 * Event fan-out: --subscribers streams (5,000; 1,000 with --quick) in two child processes, a
 * burst of 200 events and then 20 single ones 200 ms apart.
 */
async function fanoutFigures(
  env: Awaited<ReturnType<typeof startBenchEnvironment>>,
  onPhase?: FanoutParams["onPhase"],
) {
  const fanout = await runFanout(env, {
    onPhase,
    subscribers,
    clients: 2,
    tasks: 200,
    openConcurrency: 100,
    steadyEvents: 20,
    steadyIntervalMs: 200,
    timeoutMs: 60_000 + subscribers * 20,
  });
  log(`fanout detail: ${JSON.stringify(fanout)}`);
  process.stdout.write(`fanout_subscribers: ${fanout.subscribers}\n`);
  figure("fanout_delivery_p50", fanout.fromCreated.p50, "ms");
  figure("fanout_delivery_p99", fanout.fromCreated.p99, "ms");
  figure("fanout_steady_delivery_p50", fanout.steady.p50, "ms");
  figure("fanout_steady_delivery_p99", fanout.steady.p99, "ms");
  figure("fanout_server_rss_before", fanout.rssBeforeMb, "MB");
  figure("fanout_server_rss_peak", fanout.rssPeakMb, "MB");
}

/** `--only fanout --profile`: the fan-out figures with the server's CPU profile per phase. */
async function fanoutProfile() {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const cpuDir = await mkdtemp(path.join(repoRoot, ".test-data", "bench-cpu-"));
  try {
    const env = await startBenchEnvironment({ serverEnv: cpuProfilerEnv(cpuDir) });
    try {
      const pid = env.serverPid();
      if (pid === undefined) throw new Error("the server's pid file is missing");
      await fanoutFigures(env, () => toggleCpuProfile(pid));
      await logCpuProfile(cpuDir, pid, 1, "fanout burst");
      await logCpuProfile(cpuDir, pid, 2, "fanout steady");
    } finally {
      await env.close();
    }
  } finally {
    await rm(cpuDir, { recursive: true, force: true });
  }
}

async function fanoutOnly() {
  const env = await startBenchEnvironment();
  try {
    await fanoutFigures(env);
  } finally {
    await env.close();
  }
}

/** Fire lag of many 1-second schedules, on its own PostgreSQL (no server competes for it). */
async function scheduleFigures() {
  const result = await runScheduleLag({
    schedules: positive("schedules", args.schedules, 1_000),
    seconds: positive("schedule-seconds", args["schedule-seconds"], args.quick ? 10 : 60),
  });
  log(`schedules detail: ${JSON.stringify(result)}`);
  process.stdout.write(`schedule_fires: ${result.made} of ${result.expected}\n`);
  figure("schedule_fire_lag_p50_ms", result.lag.p50, "ms");
  figure("schedule_fire_lag_p99_ms", result.lag.p99, "ms");
}

/** The drain and the tuned peer's figure beside it (`--only throughput`). */
async function throughputOnly() {
  if (!args["skip-graphile"]) await ensurePeerHarness();
  const env = await startBenchEnvironment();
  try {
    const throughput = await runThroughput(env, throughputParams());
    log(`throughput detail: ${JSON.stringify(throughput.detail)}`);
    figure("throughput", throughput.throughput, "tasks/s");
    figure("claim_p99_ms", quantile(throughput.claimMs, 0.99), "ms");
    if (args["skip-graphile"]) return;
    await env.server.stop();
    const tuned = await graphileThroughput({
      adminUrl: env.adminUrl,
      jobs: tasks,
      mode: "tuned",
      concurrency: 10,
    });
    figure("graphile_tuned", tuned, "jobs/s");
    figure("ratio_vs_graphile_tuned", throughput.throughput / tuned, "x");
  } finally {
    await env.close();
  }
}

async function benchmark() {
  // Installed first: a failing install should cost seconds, not a whole run.
  if (!args["skip-graphile"]) await ensurePeerHarness();
  const env = await startBenchEnvironment();
  try {
    const throughput = await runThroughput(env, throughputParams());
    log(`throughput detail: ${JSON.stringify(throughput.detail)}`);
    figure("submit_rate", throughput.submitRate, "tasks/s");
    figure("throughput", throughput.throughput, "tasks/s");
    figure("claim_p99_ms", quantile(throughput.claimMs, 0.99), "ms");

    // The drain left dead rows and dirty pages behind: vacuumed and checkpointed first, the hop
    // is measured on a settled database (as `--only latency` and the history comparison are),
    // not while the drain's aftermath is written out under it.
    await vacuumHistory(env.postgres.url, ["tasks", "task_events", "task_dependencies"]);
    await latencyFigures(env);

    await signalFigures(env);

    const alerts = await runAlertLatency(env, { rounds: alertRounds, timeoutMs: 30_000 });
    log(`alert detail: ${JSON.stringify(alerts)}`);
    figure("alert_latency_p50", alerts.open.p50, "ms");
    figure("alert_latency_p99", alerts.open.p99, "ms");
    figure("alert_resolve_p50", alerts.resolve.p50, "ms");

    await fanoutFigures(env);

    if (!args["skip-ui"]) await uiFigures(env);

    if (!args["skip-graphile"]) {
      // Our server would only compete for the two cores.
      await env.server.stop();
      const graphile = { default: 0, tuned: 0 };
      for (const mode of ["default", "tuned"] as const) {
        log(`graphile-worker ${mode}: ${tasks} jobs, concurrency 10`);
        graphile[mode] = await graphileThroughput({
          adminUrl: env.adminUrl,
          jobs: tasks,
          mode,
          concurrency: 10,
        });
      }
      figure("graphile_default", graphile.default, "jobs/s");
      figure("graphile_tuned", graphile.tuned, "jobs/s");
      figure("ratio_vs_graphile_default", throughput.throughput / graphile.default, "x");
      figure("ratio_vs_graphile_tuned", throughput.throughput / graphile.tuned, "x");
    }
  } finally {
    await env.close();
  }
  // On a server and PostgreSQL of its own: it stops and starts the database.
  if (!args["skip-outage"]) await outageFigures();
  if (!args["skip-schedules"]) await scheduleFigures();
  if (!args["skip-history"]) await historyFigures(false);
}

/**
 * The throughput drain on an empty database and then with 1,000,000 finished tasks and
 * 3,000,000 events seeded, on a server of its own; the ratios compare the two, back to back.
 * `printEmpty`: also print the empty drain's figures as `throughput` and `claim_p99_ms` (the
 * full run has printed its own).
 */
async function historyFigures(printEmpty: boolean, profileStatements = false) {
  const env = await startBenchEnvironment(
    profileStatements ? { pgSettings: PROFILE_PG_SETTINGS } : undefined,
  );
  try {
    const drains = args.quick ? 2 : 3;
    const statements = { empty: new Map(), "1m history": new Map() } satisfies Record<
      string,
      StatementSnapshot
    >;
    let relationsBefore: StatementSnapshot = new Map();
    const result = await runHistoryComparison(env, {
      throughput: throughputParams(),
      drains,
      // Each measured drain's statements (the agents' and the server's timers'), summed per side.
      phase: profileStatements
        ? async (label, name, edge) => {
            if (name !== "drain") return;
            if (edge === "start") {
              await resetStatements(env.postgres.url);
              relationsBefore = await relationBlocks(env.postgres.url);
            } else {
              await addStatements(env.postgres.url, statements[label]);
              const after = await relationBlocks(env.postgres.url);
              addRelationDelta(statements[label], relationsBefore, after);
            }
          }
        : undefined,
    });
    log(`history detail: ${JSON.stringify(result)}`);
    if (profileStatements) {
      const drained = throughputParams().tasks * drains;
      logStatementComparison(
        ["empty", "1m history"],
        [statements.empty, statements["1m history"]],
        [drained, drained],
      );
    }
    if (printEmpty) {
      figure("throughput", result.empty.throughput, "tasks/s");
      figure("claim_p99_ms", result.empty.claimP99Ms, "ms");
    }
    figure("throughput_1m_history", result.history.throughput, "tasks/s");
    figure("claim_p99_1m_history_ms", result.history.claimP99Ms, "ms");
    // Same server, same run: the empty drains measured just before the seeding.
    figure("throughput_1m_history_ratio", result.history.throughput / result.empty.throughput, "x");
    figure("claim_p99_1m_history_ratio", result.history.claimP99Ms / result.empty.claimP99Ms, "x");
  } finally {
    await env.close();
  }
}

/**
 * Database outages under a running server: how fast calls fail while PostgreSQL is down
 * (worst call), and how long after it is back the API and /api/health answer (worst outage).
 */
async function outageFigures() {
  const outage = await runOutage({
    outagesS: args.quick ? [1, 3, 6] : [1, 3, 6, 10, 20],
    timeoutMs: 60_000,
  });
  log(`outage detail: ${JSON.stringify({ ...outage, failMs: undefined })}`);
  figure("outage_fail_ms", Math.max(...outage.failMs), "ms");
  figure("outage_recovery_ms", Math.max(...outage.recoveryMs), "ms");
  figure("outage_recovery_p50", quantile(outage.recoveryMs, 0.5), "ms");
}

/** The wall screen under load for --soak-minutes: its JS heap at the start and the end. */
async function soak() {
  const minutes = positive("soak-minutes", args["soak-minutes"], 60);
  const env = await startBenchEnvironment();
  try {
    log(`wall soak: ${minutes} min of /wall?layout=grid with the demo fleet running`);
    const { samples, reloads } = await runWallSoak(env, {
      minutes,
      // The demo fleet, as a newcomer would run it: every kind of event, alerts, a full pool.
      startLoad: () => startDemoFleet({ url: env.server.url, token: env.server.adminToken, log }),
    });
    log(`wall soak: ${reloads} reloads, statuses ${[...new Set(samples.map((s) => s.status))]}`);
    figure("wall_heap_start", samples[0]?.usedMb ?? Number.NaN, "MB");
    figure("wall_heap_end", samples.at(-1)?.usedMb ?? Number.NaN, "MB");
  } finally {
    await env.close();
  }
}

/**
 * The pages in Chromium: the board over 10,000 tasks, the graph of a 2,000-task workflow, the
 * runs list over 100,000 runs, a run's timeline, a task's log of 100,000 lines, the overview.
 */
async function uiFigures(env: Awaited<ReturnType<typeof startBenchEnvironment>>) {
  const board = await runBoardRender(env);
  figure("board_first_render_10k", board.ms, "ms");
  const graph = await runGraphLayout(env);
  log(`graph detail: ${JSON.stringify(graph)}`);
  figure("graph_layout_2000", graph.layoutMs, "ms");
  figure("graph_render_2000", graph.renderMs, "ms");
  const runsList = await runRunsListRender(env);
  figure("workflows_list_100k_ms", runsList.ms, "ms");
  const timeline = await runTimelineRender(env);
  log(`timeline detail: ${JSON.stringify(timeline.detail)}`);
  figure("workflow_timeline_2000_ms", timeline.ms, "ms");
  await taskLogFigures(env);
  await overviewFigures(env);
}

/** The task page's log panel over 100,000 lines: first render, scroll, live tail. */
async function taskLogFigures(env: Awaited<ReturnType<typeof startBenchEnvironment>>) {
  const panel = await runTaskLogRender(env);
  figure("log_panel_100k_render_ms", panel.renderMs, "ms");
  figure("log_panel_100k_loaded_ms", panel.loadedMs, "ms");
  figure("log_panel_scroll_p95_frame_ms", quantile(panel.frameMs, 0.95), "ms");
  figure("log_panel_scroll_long_tasks", panel.longTasks, "tasks");
  figure("log_panel_scroll_cpu_ms_per_frame", panel.cpuMsPerFrame, "ms");
  figure("log_panel_tail_p50_ms", quantile(panel.tailMs, 0.5), "ms");
}

async function overviewFigures(env: Awaited<ReturnType<typeof startBenchEnvironment>>) {
  const overview = await runOverviewRender(env);
  figure("overview_rollup_build_s", overview.rollupBuildS, "s");
  figure("overview_render_ms", overview.renderMs, "ms");
  figure("overview_render_7d_ms", overview.render7dMs, "ms");
}

/** The overview alone (`--only overview`): 1,000,000 finished tasks, their rollup, the page. */
async function overviewOnly() {
  const env = await startBenchEnvironment();
  try {
    await overviewFigures(env);
  } finally {
    await env.close();
  }
}

async function withEnvironment(
  run: (env: Awaited<ReturnType<typeof startBenchEnvironment>>) => Promise<void>,
) {
  const env = await startBenchEnvironment();
  try {
    await run(env);
  } finally {
    await env.close();
  }
}

async function uiOnly() {
  const env = await startBenchEnvironment();
  try {
    await uiFigures(env);
  } finally {
    await env.close();
  }
}

/** The runs list alone (`--only runs`): its 100,000 runs seeded in seconds, no other data. */
async function runsOnly() {
  const env = await startBenchEnvironment();
  try {
    const runsList = await runRunsListRender(env);
    figure("workflows_list_100k_ms", runsList.ms, "ms");
  } finally {
    await env.close();
  }
}

/** Task logs (`--only logs`): ingest through the SDK while claims flow, and a followed tail. */
async function logFigures() {
  const env = await startBenchEnvironment();
  try {
    const result = await runLogBench(env, {
      claimRate: positive("claim-rate", args["claim-rate"], 100),
      steadyS: args.quick ? 6 : 15,
      logRate: positive("log-rate", args["log-rate"], 60_000),
      loggingTasks: args.quick ? 100 : 200,
      linesPerTask: args.quick ? 1_000 : 2_500,
      claimTasks: args.quick ? 2_000 : 5_000,
      workers,
      tailLines: args.quick ? 200 : 500,
      timeoutMs: 300_000,
    });
    log(`logs detail: ${JSON.stringify(result.detail)}`);
    figure("log_ingest_lines_per_s", result.linesPerS, "lines/s");
    figure("claims_alone_per_s", result.steadyAlone.claimsPerS, "tasks/s");
    figure("claims_while_logging_per_s", result.steadyWhileLogging.claimsPerS, "tasks/s");
    figure("claim_p99_alone_ms", quantile(result.steadyAlone.claimMs, 0.99), "ms");
    figure("claim_p99_while_logging_ms", quantile(result.steadyWhileLogging.claimMs, 0.99), "ms");
    figure("log_ingest_saturated_lines_per_s", result.saturated.linesPerS, "lines/s");
    figure("claims_saturated_alone_per_s", result.saturated.claimsPerSAlone, "tasks/s");
    figure(
      "claims_saturated_while_logging_per_s",
      result.saturated.claimsPerSWhileLogging,
      "tasks/s",
    );
    figure("log_tail_p50_ms", quantile(result.tailMs, 0.5), "ms");
    figure("log_tail_p99_ms", quantile(result.tailMs, 0.99), "ms");
  } finally {
    await env.close();
  }
}

/** Where the throughput run's time goes: database statements and the server's CPU. */
async function profile() {
  // A fresh clone has no .test-data yet.
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const cpuDir = await mkdtemp(path.join(repoRoot, ".test-data", "bench-cpu-"));
  try {
    const phaseFile = path.join(cpuDir, "phases.jsonl");
    const env = await startBenchEnvironment({
      pgSettings: PROFILE_PG_SETTINGS,
      serverEnv: { ...cpuProfilerEnv(cpuDir), ...phaseLogEnv(phaseFile) },
    });
    try {
      const pid = env.serverPid();
      if (pid === undefined) throw new Error("the server's pid file is missing");
      const throughput = await runThroughput(env, throughputParams(), async (name, edge) => {
        if (name === "drain" && edge === "start") await resetStatements(env.postgres.url);
        toggleCpuProfile(pid);
      });
      log(`throughput detail: ${JSON.stringify(throughput.detail)}`);
      figure("submit_rate", throughput.submitRate, "tasks/s");
      figure("throughput", throughput.throughput, "tasks/s");
      figure("claim_p99_ms", quantile(throughput.claimMs, 0.99), "ms");
      await logTopStatements(env.postgres.url);
      await logCpuProfile(cpuDir, pid, 1, "submit");
      await logCpuProfile(cpuDir, pid, 2, "drain");
      await hopBreakdown(env, phaseFile);
    } finally {
      await env.close();
    }
  } finally {
    await rm(cpuDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
