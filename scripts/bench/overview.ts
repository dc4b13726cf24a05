import { chromium } from "@playwright/test";
import { createDatabase } from "@/db/client";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { readWatermark, rollUpEvents } from "@/server/overview/rollup";
import { seedFinishedTasks, vacuumHistory } from "./seed-history";
import type { BenchEnvironment } from "./setup";
import { log, summary } from "./stats";

/** Finished tasks seeded, over the last SPREAD_HOURS, of TYPES types run by AGENTS agents. */
const TASKS = 1_000_000;
const SPREAD_HOURS = 24;
const TYPES = 8;
const AGENTS = 50;

export interface OverviewBenchParams {
  /** Measured loads per range after a warm-up one (each figure is their median). */
  runs: number;
}

export interface OverviewBenchResult {
  /** Seconds from the seeded events to the rollup's watermark past the last of them. */
  rollupBuildS: number;
  /** `/overview` (its default range, 1 h): navigation start → every chart drawn. */
  renderMs: number;
  /** The same with `?range=7d`: the most rollup rows a read sums. */
  render7dMs: number;
}

/**
 * Seeds 1,000,000 finished tasks and their 2,000,000 task events straight into the database
 * (set-based inserts: the API would take an hour), lets the rollup fold them in — timed here,
 * beside the server's own sweep, which takes turns with it on the watermark — then opens
 * `/overview` in Chromium and measures the first full render: navigation start until each of
 * the five charts has drawn its bars or lines (or the first paint, if later).
 */
export async function runOverviewRender(
  env: BenchEnvironment,
  params: OverviewBenchParams = { runs: 5 },
): Promise<OverviewBenchResult> {
  const seeded = performance.now();
  await seedFinishedTasks(env.postgres.url, {
    tasks: TASKS,
    spreadHours: SPREAD_HOURS,
    eventsPerTask: 2,
    tasksPerWorkflow: 0,
    cancelled: false,
    types: TYPES,
    agents: AGENTS,
  });
  log(
    `overview: seeded ${TASKS} finished tasks in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );
  const rollupBuildS = await buildRollup(env.postgres.url);
  log(`overview: rollup built in ${rollupBuildS.toFixed(1)} s`);
  // Measure a settled service, not autovacuum's first pass over 3,000,000 fresh rows.
  await vacuumHistory(env.postgres.url, ["tasks", "task_events", "task_rollup", "agent_rollup"]);
  for (const range of ["1h", "7d"]) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const input = encodeURIComponent(JSON.stringify({ range }));
      const response = await fetch(`${env.server.url}/api/trpc/metrics.overview?input=${input}`, {
        headers: { authorization: `Bearer ${env.server.adminToken}` },
      });
      await response.text();
      times.push(performance.now() - started);
    }
    log(`overview: metrics.overview ${range} over HTTP: ${JSON.stringify(summary(times))}`);
  }

  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.addInitScript(READY_PROBE);
    await signInThroughApi(page, env.server.url, env.server.adminToken);
    const measure = async (url: string) => {
      // The first load warms the server's caches.
      await page.goto(url);
      await waitForCharts(page);
      const times: number[] = [];
      for (let run = 0; run < params.runs; run++) {
        await page.goto(url, { waitUntil: "commit" });
        times.push(await waitForCharts(page));
      }
      log(`overview render ${url}: ${JSON.stringify(summary(times))}`);
      return summary(times).p50;
    };
    const renderMs = await measure(`${env.server.url}/overview`);
    const render7dMs = await measure(`${env.server.url}/overview?range=7d`);
    return { rollupBuildS, renderMs, render7dMs };
  } finally {
    await browser.close();
  }
}

/** Folds every seeded event in, as the sweep would (batches of 20,000 per transaction). */
export async function buildRollup(url: string): Promise<number> {
  const { db, sql } = createDatabase(url, { max: 2, applicationName: "bench-overview" });
  try {
    const [last] = await sql<{ id: string }[]>`select max(id)::text as id from task_events`;
    const target = Number(last?.id ?? 0);
    const started = performance.now();
    while ((await readWatermark(db)) < target) {
      await rollUpEvents(db, { maxBatches: 1_000 });
    }
    return (performance.now() - started) / 1000;
  } finally {
    await sql.end();
  }
}

/**
 * Installed before any page script: notes when all five charts first show bars or lines,
 * from a MutationObserver. A string: tsx would wrap a function's inner helpers in `__name`.
 */
const READY_PROBE = `(() => {
  window.__overviewReadyAt = null;
  const charts = ["throughput", "queue-depth", "wait-time", "run-time", "failure-rate"];
  const drawn = () => charts.every((id) => document.querySelector(
    '[data-testid="chart-' + id + '"] .recharts-bar-rectangle path, [data-testid="chart-' + id + '"] .recharts-line-curve'));
  const observer = new MutationObserver(() => {
    if (window.__overviewReadyAt === null && drawn()) {
      window.__overviewReadyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true });
})()`;

async function waitForCharts(page: import("@playwright/test").Page): Promise<number> {
  const handle = await page.waitForFunction(
    `(() => {
      const readyAt = window.__overviewReadyAt;
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return readyAt !== null && paint ? Math.max(readyAt, paint.startTime) : false;
    })()`,
    undefined,
    { timeout: 120_000 },
  );
  return Number(await handle.jsonValue());
}
