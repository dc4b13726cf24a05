import { chromium } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { TIMELINE_RENDERED_MARK } from "@/lib/timeline/marks";
import { createTrpc } from "@/sdk";
import { layeredDag } from "./layered-dag";
import type { BenchEnvironment } from "./setup";
import { log, summary } from "./stats";

export interface TimelineRenderParams {
  layers: number;
  width: number;
  /** Measured loads after a warm-up one (the figure is their median). */
  runs: number;
  timeoutMs: number;
}

const CAPABILITY = "bench-timeline";

/**
 * The run page's timeline with a 2,000-task run (the graph benchmark's layered DAG) whose
 * tasks have attempts: an agent works through it layer by layer, failing every tenth task
 * once (a retried attempt, then a second), and leaves the last claim running so the "now" line
 * is drawn. Then the page is loaded `runs` times: navigation start until the timeline's first
 * view is on screen (a performance.mark in the page), median.
 */
export async function runTimelineRender(
  env: BenchEnvironment,
  params: TimelineRenderParams = { layers: 40, width: 50, runs: 5, timeoutMs: 120_000 },
): Promise<{ ms: number; detail: unknown }> {
  const tasks = layeredDag(params.layers, params.width, (key, dependsOn) => ({
    key,
    name: `step ${key.slice(1)}`,
    type: "bench-timeline",
    capabilities: [CAPABILITY],
    backoff: { baseS: 0, maxS: 0 },
    leaseS: 3_600,
    dependsOn,
  }));
  const seeded = performance.now();
  const submitted = await env.orchestrator.submitWorkflow({ name: "bench timeline", tasks });
  const agent = await workThrough(env, tasks.length);
  log(
    `timeline: a run of ${tasks.length} tasks with ${agent.attempts} attempts in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );
  // The agent keeps its running tasks by heartbeating: a silent agent's leases are ended.
  const heartbeat = setInterval(() => {
    agent.heartbeat().catch((error: unknown) => log(`timeline: heartbeat failed: ${error}`));
  }, 5_000);

  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInThroughApi(page, env.server.url, env.server.adminToken);
    const url = `${env.server.url}/workflows/${submitted.workflow.id}?tab=timeline`;
    const load = async () => {
      await page.goto(url, { waitUntil: "commit" });
      await page.waitForFunction(
        (name) => performance.getEntriesByName(name).length > 0,
        TIMELINE_RENDERED_MARK,
        { timeout: params.timeoutMs, polling: 50 },
      );
      return page.evaluate(
        (name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN,
        TIMELINE_RENDERED_MARK,
      );
    };
    // The first load warms the server's caches (and Next's compiled routes).
    await load();
    const times: number[] = [];
    for (let run = 0; run < params.runs; run++) times.push(await load());
    const bars = await page.locator("[data-testid=timeline-bar]").count();
    const rows = await page.getAttribute("[data-testid=run-timeline]", "data-rows");
    const detail = { ...summary(times), rows: Number(rows), barsOnScreen: bars };
    log(`timeline first render: ${JSON.stringify(detail)}`);
    return { ms: summary(times).p50, detail };
  } finally {
    clearInterval(heartbeat);
    await browser.close();
  }
}

/**
 * Claims and ends the run's tasks as they become ready until all but the last claim have
 * ended; every tenth task fails once (retryable) before it succeeds.
 */
async function workThrough(env: BenchEnvironment, total: number) {
  const agent = createTrpc({ url: env.server.url, token: env.agentToken });
  const { id: agentId } = await agent.agents.register.mutate({
    name: "timeline-bench-agent",
    capabilities: [CAPABILITY],
    capacity: {},
  });
  let ended = 0;
  let attempts = 0;
  for (;;) {
    const { tasks: claimed } = await agent.agents.claim.mutate({
      agentId,
      max: 1_000,
      waitMs: 2_000,
    });
    if (claimed.length === 0) throw new Error(`timeline bench: stuck after ${ended} tasks`);
    attempts += claimed.length;
    // The last layer stays running: a live run, with its "now" line.
    if (ended + claimed.length >= total) break;
    const fail = claimed.filter((task, i) => task.attempt === 1 && i % 10 === 0);
    const failed = new Set(fail.map((task) => task.id));
    const succeed = claimed.filter((task) => !failed.has(task.id));
    if (fail.length > 0) {
      await agent.tasks.failMany.mutate({
        agentId,
        items: fail.map((task) => ({
          taskId: task.id,
          leaseEpoch: task.leaseEpoch,
          error: { message: "bench: flaky once" },
          retryable: true,
        })),
      });
    }
    if (succeed.length > 0) {
      await agent.tasks.completeMany.mutate({
        agentId,
        items: succeed.map((task) => ({ taskId: task.id, leaseEpoch: task.leaseEpoch })),
      });
    }
    ended += succeed.length;
  }
  return { attempts, heartbeat: () => agent.agents.heartbeat.mutate({ agentId }) };
}
