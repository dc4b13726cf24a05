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
 * This file only sequences the full run and dispatches `--only <group>` to `groups/<group>.ts`
 * (the options, their defaults and what each group prints: `cli.ts`).
 */
import { readSettings } from "./cli";
import { ensurePeerHarness } from "./graphile";
import { alertFigures } from "./groups/alerts";
import { fanoutFigures, fanoutProfile } from "./groups/fanout";
import { historyFigures } from "./groups/history";
import { hopProfile, latencyFigures } from "./groups/latency";
import { logFigures } from "./groups/logs";
import { outageFigures } from "./groups/outage";
import { overviewFigures } from "./groups/overview";
import { throughputProfile } from "./groups/profile";
import { runsListFigures } from "./groups/runs";
import { scheduleFigures } from "./groups/schedules";
import { signalFigures } from "./groups/signals";
import { taskLogFigures } from "./groups/task-log-ui";
import {
  bestDrain,
  graphileFigures,
  printDrainFigures,
  throughputOnly,
  throughputParams,
} from "./groups/throughput";
import { uiFigures } from "./groups/ui";
import { wallSoak } from "./groups/wall-soak";
import { printMachineGauge } from "./machine";
import { buildRollup } from "./overview";
import { printSchedulingFigures, runSchedulingComparison } from "./scheduling";
import { vacuumHistory } from "./seed-history";
import { withEnvironment } from "./setup";
import { log } from "./stats";
import { runThroughput } from "./throughput";

// Read before anything starts: a bad value fails the run at once.
const settings = readSettings(process.argv.slice(2));

/** `--only <group>`: each group alone, on an environment of its own. */
const GROUPS = new Map<string, () => Promise<void>>([
  [
    "latency",
    () =>
      withEnvironment(async (env) => {
        await printMachineGauge(env.postgres.url, "start");
        await latencyFigures(env, settings);
        await printMachineGauge(env.postgres.url, "end");
      }),
  ],
  ["ui", () => withEnvironment(uiFigures)],
  ["runs", () => withEnvironment(runsListFigures)],
  ["overview", () => withEnvironment(overviewFigures)],
  ["outage", () => outageFigures(settings)],
  ["schedules", () => scheduleFigures(settings)],
  ["logs", () => logFigures(settings)],
  ["task-log-ui", () => withEnvironment(taskLogFigures)],
  ["signals", () => withEnvironment((env) => signalFigures(env, settings))],
  ["fanout", () => withEnvironment((env) => fanoutFigures(env, settings))],
  ["history", () => historyFigures(settings, true)],
  ["throughput", () => throughputOnly(settings)],
  [
    "scheduling",
    async () => printSchedulingFigures(await runSchedulingComparison({ quick: settings.quick })),
  ],
]);

async function main() {
  const started = performance.now();
  const { only } = settings;
  if (settings.soak) await wallSoak(settings);
  else if (settings.profile && only === "latency") await hopProfile(settings);
  else if (settings.profile && only === "fanout") await fanoutProfile(settings);
  else if (settings.profile && only === "history") await historyFigures(settings, true, true);
  else if (settings.profile) await throughputProfile(settings);
  else if (only !== undefined) {
    const group = GROUPS.get(only);
    if (group === undefined) {
      const names = [...GROUPS.keys()].map((name) => `"${name}"`);
      throw new Error(`--only: expected ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`);
    }
    await group();
  } else await fullRun();
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function fullRun() {
  // Installed first: a failing install should cost seconds, not a whole run.
  if (!settings.skipGraphile) await ensurePeerHarness();
  // Our drains, then graphile-worker's on the same PostgreSQL, before anything else: measured
  // minutes apart (graphile at the end of the run), the ratio swung 0.25–0.43 over three runs
  // while graphile tuned alone went from 17,160 to 29,520 jobs/s: the machine's hour, not
  // either side. Graphile's runs stop our server: the rest runs on an environment of its own.
  await withEnvironment(async (env) => {
    await printMachineGauge(env.postgres.url, "start");
    const throughput = await bestDrain(env, throughputParams(settings));
    printDrainFigures(throughput, true);
    if (!settings.skipGraphile) await graphileFigures(env, settings, throughput.throughput);
  });
  await withEnvironment(async (env) => {
    // Unmeasured: a drain, folded into the overview's rollup, vacuumed and checkpointed. The hop
    // is measured on a server that has been running, on a settled database: as it was when it
    // followed the measured drains (a fresh server's hop was ~1 ms slower, 8.3 against 7.1 ms).
    await runThroughput(env, throughputParams(settings));
    await buildRollup(env.postgres.url);
    await vacuumHistory(env.postgres.url, ["tasks", "task_events", "task_dependencies"]);
    await latencyFigures(env, settings);

    await signalFigures(env, settings);

    await alertFigures(env, settings);

    await fanoutFigures(env, settings);

    if (!settings.skipUi) await uiFigures(env);
    await printMachineGauge(env.postgres.url, "end");
  });
  // On a server and PostgreSQL of its own: it stops and starts the database.
  if (!settings.skipOutage) await outageFigures(settings);
  if (!settings.skipSchedules) await scheduleFigures(settings);
  if (!settings.skipHistory) await historyFigures(settings, false);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
