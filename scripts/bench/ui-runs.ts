import { chromium } from "@playwright/test";
import postgres from "postgres";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import type { BenchEnvironment } from "./setup";
import { log, summary } from "./stats";

/** Workflows seeded, each of TASKS_PER_RUN tasks. */
const RUNS = 100_000;
const TASKS_PER_RUN = 3;

export interface RunsListRenderParams {
  /** Measured loads of `/workflows` after a warm-up one (the figure is their median). */
  runs: number;
}

/**
 * Seeds 100,000 workflow runs straight into the database (one set-based insert each for
 * workflows and tasks: the API would take minutes), then opens `/workflows` in Chromium and
 * measures its first render: navigation start until the table shows its first rows (or the
 * first paint, if later). Returns the median over `runs` loads, in ms.
 */
export async function runRunsListRender(
  env: BenchEnvironment,
  params: RunsListRenderParams = { runs: 5 },
): Promise<{ ms: number; detail: unknown }> {
  const seeded = performance.now();
  await seedRuns(env.postgres.url);
  log(
    `runs list: seeded ${RUNS} workflows in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );

  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(READY_PROBE);
    await signInThroughApi(page, env.server.url, env.server.adminToken);
    // The first load warms the server's caches.
    await page.goto(`${env.server.url}/workflows`);
    await waitForRows(page);
    const times: number[] = [];
    for (let run = 0; run < params.runs; run++) {
      await page.goto(`${env.server.url}/workflows`, { waitUntil: "commit" });
      times.push(await waitForRows(page));
    }
    const rows = await page.locator("[data-testid=run-row]").count();
    const detail = { ...summary(times), rows };
    log(`runs list first render: ${JSON.stringify(detail)}`);
    return { ms: summary(times).p50, detail };
  } finally {
    await browser.close();
  }
}

/**
 * Installed before any page script: notes when the table first holds a row, from a
 * MutationObserver. A string: tsx would wrap a function's inner helpers in `__name`.
 */
const READY_PROBE = `(() => {
  window.__runsReadyAt = null;
  const observer = new MutationObserver(() => {
    if (window.__runsReadyAt === null && document.querySelector("[data-testid=run-row]")) {
      window.__runsReadyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true });
})()`;

/** When the rows were first on screen: their time, or the first paint if that came later. */
async function waitForRows(page: import("@playwright/test").Page): Promise<number> {
  const handle = await page.waitForFunction(
    `(() => {
      const readyAt = window.__runsReadyAt;
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return readyAt !== null && paint ? Math.max(readyAt, paint.startTime) : false;
    })()`,
    undefined,
    { timeout: 60_000 },
  );
  return Number(await handle.jsonValue());
}

/**
 * 100,000 finished runs over the last 100 days, a few failed or cancelled, and the newest 50
 * still running (queued tasks no agent claims), as a long-lived service's history looks.
 */
async function seedRuns(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      await tx`
        insert into workflows (id, name, created_at)
        select gen_random_uuid(), 'bench run ' || n, now() - (${RUNS} - n) * interval '86 s'
        from generate_series(1, ${RUNS}) n`;
      await tx`
        insert into tasks (workflow_id, key, name, type, capabilities, state, created_at, queued_at,
          started_at, finished_at)
        select w.id, 't' || k, w.name || ' task ' || k, 'bench-run', '{runs-bench-never}',
          s.state::task_state, w.created_at,
          case when s.state = 'queued' then w.created_at end,
          case when s.state <> 'queued' then w.created_at + k * interval '5 s' end,
          case when s.state <> 'queued' then w.created_at + k * interval '20 s' end
        from (select id, name, created_at, row_number() over (order by created_at desc) as age
              from workflows where name like 'bench run %') w
        cross join generate_series(1, ${TASKS_PER_RUN}) k
        cross join lateral (select case
          when w.age <= 50 then 'queued'
          when w.age % 97 = 0 and k = ${TASKS_PER_RUN} then 'failed'
          when w.age % 89 = 0 and k = ${TASKS_PER_RUN} then 'cancelled'
          else 'succeeded' end as state) s`;
    });
    await sql`analyze workflows`;
    await sql`analyze tasks`;
  } finally {
    await sql.end();
  }
}
