import { chromium } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { createTrpc } from "@/sdk";
import type { BenchEnvironment } from "./setup";
import { log, summary } from "./stats";

const STATES = [
  "blocked",
  "waiting",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
] as const;
/** How the 10,000 tasks spread over the states. */
const SPREAD = {
  blocked: 1_000,
  queued: 3_000,
  running: 1_000,
  succeeded: 3_000,
  failed: 1_000,
  cancelled: 1_000,
} as const;

export interface BoardRenderParams {
  /** Measured loads of `/` after a warm-up one (the figure is their median). */
  runs: number;
}

/**
 * Seeds 10,000 tasks through the API, spread over every state, then opens the board in
 * Chromium and measures its first render: navigation start until every column shows its count
 * and (when it has tasks) its first cards. Returns the median over `runs` loads, in ms.
 */
export async function runBoardRender(
  env: BenchEnvironment,
  params: BoardRenderParams = { runs: 5 },
): Promise<{ ms: number; detail: unknown }> {
  const seeded = performance.now();
  const agent = await seedBoard(env);
  log(`board: seeded 10,000 tasks in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  // The agent keeps its running tasks by heartbeating: a silent agent's leases are ended.
  const heartbeat = setInterval(() => {
    agent.heartbeat().catch((error: unknown) => log(`board: heartbeat failed: ${String(error)}`));
  }, 5_000);

  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(READY_PROBE);
    await signInThroughApi(page, env.server.url, env.server.adminToken);
    // The first load warms the server's caches.
    await page.goto(`${env.server.url}/`);
    await waitForBoard(page);
    const times: number[] = [];
    const phases: unknown[] = [];
    for (let run = 0; run < params.runs; run++) {
      await page.goto(`${env.server.url}/`, { waitUntil: "commit" });
      times.push(await waitForBoard(page));
      phases.push(await page.evaluate(TIMINGS));
    }
    log(`board phases (ms since navigation start): ${JSON.stringify(phases)}`);
    const counts = await page.$$eval("[data-testid=column-count]", (els) =>
      els.map((el) => el.textContent),
    );
    const detail = { ...summary(times), counts };
    log(`board first render: ${JSON.stringify(detail)}`);
    return { ms: summary(times).p50, detail };
  } finally {
    clearInterval(heartbeat);
    await browser.close();
  }
}

/**
 * Where a load's time went: the document, then each API request (start → end). A string:
 * tsx would wrap a function's inner helpers in `__name`, which the page does not have.
 */
const TIMINGS = `(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    ttfb: nav ? Math.round(nav.responseStart) : null,
    html: nav ? Math.round(nav.responseEnd) : null,
    ready: Math.round(window.__boardReadyAt),
    dcl: nav ? Math.round(nav.domContentLoadedEventEnd) : null,
    api: performance.getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/trpc") && !e.name.includes("events.stream"))
      .map((e) => Math.round(e.startTime) + "→" + Math.round(e.responseEnd)),
  };
})()`;

/**
 * Installed before any page script: notes the moment every column is ready (count known,
 * first page loaded) and each column with tasks shows a card, from a MutationObserver, so the
 * time does not depend on when a poll gets to run. A string: tsx would wrap a function's
 * inner helpers in `__name`, which the page does not have.
 */
const READY_PROBE = `(() => {
  const states = ${JSON.stringify(STATES)};
  window.__boardReadyAt = null;
  const ready = () => states.every((state) => {
    const column = document.querySelector("[data-testid=column-" + state + "]");
    if (!column || column.getAttribute("data-ready") !== "true") return false;
    const count = column.querySelector("[data-testid=column-count]")?.textContent ?? "";
    return count.startsWith("0") || column.querySelector("[data-testid=task-card]") !== null;
  });
  const observer = new MutationObserver(() => {
    if (window.__boardReadyAt === null && ready()) {
      window.__boardReadyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-ready"] });
})()`;

/**
 * Waits for the probe above, then returns when the ready board was first on screen: its
 * ready time, or the first contentful paint if it was ready before anything was painted.
 */
async function waitForBoard(page: import("@playwright/test").Page): Promise<number> {
  const handle = await page.waitForFunction(
    `(() => {
      const readyAt = window.__boardReadyAt;
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return readyAt !== null && paint ? Math.max(readyAt, paint.startTime) : false;
    })()`,
    undefined,
    { timeout: 60_000 },
  );
  return Number(await handle.jsonValue());
}

/**
 * The spread above, made cheaply: workflows for blocked (dependents of a task no agent can
 * run), queued and cancelled (dependents of a cancelled root, cancelled with it), then one
 * agent claims the rest in batches and completes, fails or keeps each.
 */
async function seedBoard(env: BenchEnvironment): Promise<{ heartbeat(): Promise<unknown> }> {
  const orchestrator = env.orchestrator;
  const never = "board-bench-never";
  const tasks = (prefix: string, n: number, extra: object = {}) =>
    Array.from({ length: n }, (_, i) => ({
      key: `${prefix}-${i}`,
      name: `${prefix} task ${i}`,
      type: `board-${prefix}`,
      ...extra,
    }));

  // Blocked: dependents of one queued root no agent can run (the root counts as queued).
  await orchestrator.submitWorkflow({
    name: "board bench blocked",
    tasks: [
      { key: "root", name: "blocked root", type: "board-queued", capabilities: [never] },
      ...tasks("blocked", SPREAD.blocked, { dependsOn: ["root"] }),
    ],
  });
  await orchestrator.submitWorkflow({
    name: "board bench queued",
    tasks: tasks("queued", SPREAD.queued - 1, { capabilities: [never] }),
  });
  // Cancelled: a root and its dependents, cancelled together when the root is.
  const cancelled = await orchestrator.submitWorkflow({
    name: "board bench cancelled",
    tasks: [
      { key: "root", name: "cancelled root", type: "board-cancelled", capabilities: [never] },
      ...tasks("cancelled", SPREAD.cancelled - 1, { dependsOn: ["root"] }),
    ],
  });
  const root = cancelled.tasks.find((task) => task.key === "root");
  if (root) await orchestrator.trpc.tasks.cancel.mutate({ id: root.id });

  // Running, succeeded, failed: claimed by one agent with a lease long enough to outlast the run.
  const claimable = SPREAD.running + SPREAD.succeeded + SPREAD.failed;
  await orchestrator.submitWorkflow({
    name: "board bench claimed",
    tasks: tasks("claimed", claimable, { capabilities: ["board-bench"], leaseS: 3_600 }),
  });
  const agent = createTrpc({ url: env.server.url, token: env.agentToken });
  const { id: agentId } = await agent.agents.register.mutate({
    name: "board-bench-agent",
    capabilities: ["board-bench"],
    capacity: {},
  });
  let done = 0;
  while (done < claimable) {
    const { tasks: claimed } = await agent.agents.claim.mutate({
      agentId,
      max: Math.min(1_000, claimable - done),
    });
    if (claimed.length === 0) throw new Error(`board bench: only ${done} tasks claimed`);
    const items = claimed.map((task, i) => ({ task, index: done + i }));
    const succeed = items.filter(({ index }) => index < SPREAD.succeeded);
    const fail = items.filter(
      ({ index }) => index >= SPREAD.succeeded && index < SPREAD.succeeded + SPREAD.failed,
    );
    if (succeed.length > 0)
      await agent.tasks.completeMany.mutate({
        agentId,
        items: succeed.map(({ task }) => ({
          taskId: task.id,
          leaseEpoch: task.leaseEpoch,
          result: { ok: true },
        })),
      });
    if (fail.length > 0)
      await agent.tasks.failMany.mutate({
        agentId,
        items: fail.map(({ task }) => ({
          taskId: task.id,
          leaseEpoch: task.leaseEpoch,
          error: { message: "bench failure" },
          retryable: false,
        })),
      });
    done += claimed.length;
  }
  return { heartbeat: () => agent.agents.heartbeat.mutate({ agentId }) };
}
