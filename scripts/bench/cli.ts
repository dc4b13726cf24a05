/**
 * The benchmark's options (`npm run bench -- …`), parsed and checked; `BenchSettings` is what
 * the groups in `groups/` read.
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
 *   with --profile, only the hop's breakdown table (see hop-profile.ts), then the server's CPU
 *   and PostgreSQL's time per statement over one more chain;
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
 *   --skip-graphile: the drain alone); each side's best of two runs (groups/throughput.ts).
 * - --only scheduling: one mixed workload (a GPU pool, three workflows, a concurrency key, a
 *   flaky agent) run twice, fifo without reservations then the defaults, figures side by side
 *   (`sched_pool_utilisation`, `sched_big_task_wait_max_s`, …; --quick: a smaller workload).
 */
import { parseArgs } from "node:util";

/**
 * Each SDK worker claims (and, with claimOnComplete, completes) up to 500 tasks a call: the size
 * of graphile-worker tuned's local queue, the jobs it fetches per query, which the ratio is
 * taken against. At 100 a call the drain cost about twice the CPU per task (a call's fixed
 * costs: HTTP, auth, the transaction and its commit); `--concurrency 100 --claim-batch 100`
 * gives that figure.
 */
const THROUGHPUT_BATCH = 500;

export type BenchSettings = ReturnType<typeof readSettings>;

/**
 * `argv` without node and the script. The options every run reads are checked here, before
 * anything starts; an option only one group reads is a function, checked when that group runs
 * (a bad `--claim-rate` does not stop `--only latency`).
 */
export function readSettings(argv: string[]) {
  const { values: args } = parseArgs({
    args: argv,
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
  const quick = args.quick;
  return {
    quick,
    only: args.only,
    profile: args.profile,
    /** --soak-minutes given: the wall soak alone, whatever else is. */
    soak: args["soak-minutes"] !== undefined,
    skipGraphile: args["skip-graphile"],
    skipUi: args["skip-ui"],
    skipOutage: args["skip-outage"],
    skipSchedules: args["skip-schedules"],
    skipHistory: args["skip-history"],
    claimOnComplete: !args["no-claim-on-complete"],
    tasks: positive("tasks", args.tasks, quick ? 5_000 : 20_000),
    workers: positive("workers", args.workers, 4),
    alertRounds: positive("alert-rounds", args["alert-rounds"], quick ? 10 : 20),
    subscribers: positive("subscribers", args.subscribers, quick ? 1_000 : 5_000),
    concurrency: () => positive("concurrency", args.concurrency, THROUGHPUT_BATCH),
    claimBatch: () => positive("claim-batch", args["claim-batch"], THROUGHPUT_BATCH),
    submitChunk: () => positive("submit-chunk", args["submit-chunk"], 5_000),
    signalRounds: () => positive("signal-rounds", args["signal-rounds"], quick ? 30 : 100),
    schedules: () => positive("schedules", args.schedules, 1_000),
    scheduleSeconds: () => positive("schedule-seconds", args["schedule-seconds"], quick ? 10 : 60),
    claimRate: () => positive("claim-rate", args["claim-rate"], 100),
    logRate: () => positive("log-rate", args["log-rate"], 60_000),
    soakMinutes: () => positive("soak-minutes", args["soak-minutes"], 60),
  };
}

function positive(name: string, value: string | undefined, fallback: number) {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`--${name}: expected a positive integer`);
  return number;
}
