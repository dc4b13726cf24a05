import postgres from "postgres";
import { maintenanceBetween, maintenanceSnapshot } from "./maintenance";
import { buildRollup } from "./overview";
import { seedFinishedTasks, vacuumHistory } from "./seed-history";
import type { BenchEnvironment } from "./setup";
import { log, quantile } from "./stats";
import { runThroughput, type ThroughputParams } from "./throughput";

/** The history the hot path must not notice: days of a busy service. */
export const HISTORY_TASKS = 1_000_000;
/** Inside the default event retention (7 days), so pruning does not run during the drains. */
const HISTORY_SPREAD_HOURS = 24 * 5;

export interface DrainFigures {
  /** Median of the drains' throughputs, tasks/s. */
  throughput: number;
  /**
   * p99 of every drain's calls that handed an agent tasks, ms: agents.claim, and completeMany
   * calls whose claim returned tasks (ThroughputResult.claimMs).
   */
  claimP99Ms: number;
  drains: number[];
}

/** Called around each measured drain's phases (bench --profile collects statements with it). */
export type HistoryPhase = (
  label: "empty" | "1m history",
  name: "submit" | "drain",
  edge: "start" | "end",
) => Promise<void>;

export interface HistoryComparison {
  empty: DrainFigures;
  history: DrainFigures;
  seedS: number;
}

/**
 * The throughput drain `drains` times on this (near) empty database, then again with 1,000,000
 * finished tasks in 100,000 workflow runs, their dependencies and 3,000,000 events seeded, then
 * once more on an empty database: the same server and PostgreSQL throughout, back to back, so
 * the ratio is an A/B/A on one machine.
 */
export async function runHistoryComparison(
  env: BenchEnvironment,
  params: { throughput: ThroughputParams; drains: number; phase?: HistoryPhase },
): Promise<HistoryComparison> {
  // A fresh server's first drains run slower (JIT, pools, caches): unmeasured, so the empty
  // figures are not penalised for coming first.
  await drain(env, { ...params, drains: 1, phase: undefined }, "warm-up");
  const before = await drain(env, params, "empty");
  log(`history: seeding ${HISTORY_TASKS} finished tasks and ${HISTORY_TASKS * 3} events`);
  const started = performance.now();
  await seedFinishedTasks(env.postgres.url, {
    tasks: HISTORY_TASKS,
    spreadHours: HISTORY_SPREAD_HOURS,
    eventsPerTask: 3,
    tasksPerWorkflow: 10,
    cancelled: true,
    types: 8,
    agents: 50,
  });
  const seedS = (performance.now() - started) / 1000;
  // A settled service: the overview's rollup has folded the history in (the server's sweep
  // would otherwise do it during the drains), and vacuum has been over the new rows. Then
  // autovacuum as in service: vacuumed before every drain, the history side's new rows went
  // into the history's cold pages each time (about 40 % slower drains).
  const rollupS = await buildRollup(env.postgres.url);
  await vacuumHistory(env.postgres.url, [
    "tasks",
    "task_events",
    "task_dependencies",
    "workflows",
    "task_rollup",
    "agent_rollup",
  ]);
  log(`history: seeded in ${seedS.toFixed(1)} s, rollup built in ${rollupS.toFixed(1)} s`);
  // Unmeasured, as on the empty side: the seeding and the rollup's build evicted the hot
  // path's pages from memory, which a running service's would not be (the first drain after
  // them ran 40 % slower than the next two).
  await drain(env, { ...params, drains: 1, phase: undefined }, "warm-up");
  const history = await drain(env, params, "1m history");
  // The empty drains once more, after the history is gone again: the server and the machine
  // kept getting faster over a run (the server's CPU per task fell from drain to drain), and
  // drains only before the history made it look faster than without (ratios of 1.18× and
  // 0.83×). The empty figures are of the drains on either side of the history's (an A/B/A).
  await clearTasks(env.postgres.url);
  await drain(env, { ...params, drains: 1, phase: undefined }, "warm-up");
  const after = await drain(env, params, "empty");
  return { empty: figures([before, after]), history: figures([history]), seedS };
}

/** Every task, workflow run, dependency and event gone: the database as the drains found it. */
async function clearTasks(url: string): Promise<void> {
  log("history: removing every task and event for the empty drains after the history");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`truncate workflows, tasks, task_dependencies, task_events cascade`;
  } finally {
    await sql.end();
  }
}

/** Raw figures of one series of drains. */
interface Drains {
  drains: number[];
  claimMs: number[];
}

function figures(series: Drains[]): DrainFigures {
  const drains = series.flatMap((one) => one.drains);
  const claimMs = series.flatMap((one) => one.claimMs);
  return { throughput: median(drains), claimP99Ms: quantile(claimMs, 0.99), drains };
}

async function drain(
  env: BenchEnvironment,
  params: { throughput: ThroughputParams; drains: number; phase?: HistoryPhase },
  label: "warm-up" | "empty" | "1m history",
): Promise<Drains> {
  const drains: number[] = [];
  const claimMs: number[] = [];
  for (let i = 0; i < params.drains; i++) {
    const { phase } = params;
    const before = await maintenanceSnapshot(env.postgres.url);
    const result = await runThroughput(
      env,
      params.throughput,
      phase && label !== "warm-up" ? (name, edge) => phase(label, name, edge) : undefined,
    );
    const maintenance = maintenanceBetween(before, await maintenanceSnapshot(env.postgres.url));
    log(`history ${label} drain ${i + 1}: ${JSON.stringify({ ...result.detail, maintenance })}`);
    drains.push(result.throughput);
    claimMs.push(...result.claimMs);
  }
  return { drains, claimMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
    : (sorted[Math.floor(middle)] ?? Number.NaN);
}
