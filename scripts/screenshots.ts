/**
 * `npm run screenshots -- --url URL --token TOKEN`: the README's screenshots, taken from a
 * running server with the demo fleet running (`npm run demo`). Opens each page in Chromium at
 * 1440×900 and saves
 * docs/screenshots/{overview,board,workflows,task,run,graph,resources,alerts,agents,wall}.png.
 *
 * Options: --url (or TM_URL; default http://127.0.0.1:3000), --token (or TM_TOKEN; any role
 * that may read, e.g. viewer or admin), --out DIR, --only board,wall, --settle-ms N.
 * `--empty` shoots a server with no work yet instead: board-empty.png, the board's guidance.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Browser, chromium, type Page } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { createTaskManagerClient, type TaskManagerClient } from "@/sdk";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    out: { type: "string", default: path.join("docs", "screenshots") },
    only: { type: "string" },
    "settle-ms": { type: "string", default: "1500" },
    empty: { type: "boolean", default: false },
  },
});

const VIEWPORT = { width: 1440, height: 900 };
/** How long to wait for a page's heading, its data and its live connection, each. */
const READY_TIMEOUT_MS = 15_000;

interface Shot {
  name: string;
  path: string;
  /** Shown once the page has its data: a selector of the page's own, when it has one. */
  ready?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const url = (args.url ?? process.env.TM_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
  const token = args.token ?? process.env.TM_TOKEN;
  if (!token) throw new Error("a token is required: --token … or TM_TOKEN=…");
  const settleMs = Number(args["settle-ms"]);
  const shots: Shot[] = args.empty
    ? [{ name: "board-empty", path: "/", ready: '[data-testid="empty-board"]' }]
    : await demoShots(createTaskManagerClient({ url, token }));
  const only = args.only?.split(",").map((name) => name.trim());
  const outDir = path.resolve(args.out);
  await mkdir(outDir, { recursive: true });

  const failed: string[] = [];
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await signInThroughApi(page, url, token);
    for (const shot of shots.filter((s) => !only || only.includes(s.name))) {
      const file = path.join(outDir, `${shot.name}.png`);
      const response = await page.goto(`${url}${shot.path}`);
      const status = response?.status() ?? 0;
      // An error page has nothing to wait for; it is shot anyway, and the run fails at the end.
      if (status >= 400) failed.push(shot.name);
      const missing = status >= 400 ? `HTTP ${status}` : await waitUntilReady(page, shot);
      await page.waitForTimeout(settleMs); // let charts finish their entry animation
      await page.screenshot({ path: file });
      say(`${path.relative(process.cwd(), file)}  ${shot.path}${missing ? `  (${missing})` : ""}`);
    }
  } finally {
    await browser.close();
  }
  if (failed.length > 0)
    throw new Error(`these pages answered with an error: ${failed.join(", ")}`);
}

/** The pages with the demo's data, with a task and a workflow of its picked for them. */
async function demoShots(client: TaskManagerClient): Promise<Shot[]> {
  const { taskId, workflowId } = await pickSubjects(client);
  return [
    {
      name: "overview",
      path: "/overview",
      ready: '[data-testid="chart-throughput"] .recharts-bar-rectangle path',
    },
    { name: "board", path: "/" },
    { name: "workflows", path: "/workflows", ready: '[data-testid="run-row"]' },
    { name: "task", path: `/tasks/${taskId}` },
    {
      name: "run",
      path: `/workflows/${workflowId}?tab=timeline`,
      ready: '[data-testid="timeline-bar"]',
    },
    { name: "graph", path: `/workflows/${workflowId}?tab=graph`, ready: ".react-flow__node" },
    { name: "schedules", path: "/schedules", ready: '[data-testid="schedule-card"]' },
    { name: "approvals", path: "/approvals", ready: '[data-testid="approval"]' },
    { name: "resources", path: "/resources" },
    { name: "alerts", path: "/alerts", ready: '[data-testid="alert-row"]' },
    { name: "agents", path: "/agents", ready: '[data-testid="agent-card"]' },
    { name: "wall", path: "/wall?layout=grid", ready: '[data-testid="wall-panel-headline"]' },
  ];
}

/** Chromium as the e2e suite launches it: Debian's where present. */
function launch(): Promise<Browser> {
  return chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
}

/**
 * Waits for what a person would wait for: the page's heading, no loading placeholders, the
 * live connection up, and the page's own data selector. SSE keeps the network busy, so
 * "network idle" never comes. Returns "" when everything showed, else what did not.
 */
async function waitUntilReady(page: Page, shot: Shot): Promise<string> {
  const missing: string[] = [];
  const wait = async (label: string, condition: Promise<unknown>) => {
    await condition.catch(() => missing.push(label));
  };
  await wait("no heading", page.locator("h1").first().waitFor({ timeout: READY_TIMEOUT_MS }));
  await wait(
    "not live",
    page
      // The header's indicator, or the wall's own status (it has no header).
      .locator(
        '[data-testid="connection-status"][data-status="live"], [data-testid="wall"][data-status="live"]',
      )
      .first()
      .waitFor({ timeout: READY_TIMEOUT_MS }),
  );
  await wait(
    "still loading",
    page.waitForFunction(
      () =>
        document.querySelectorAll('[aria-busy="true"]').length === 0 &&
        !/\bLoading\b/.test(document.querySelector("main")?.textContent ?? ""),
      undefined,
      { timeout: READY_TIMEOUT_MS },
    ),
  );
  if (shot.ready) {
    await wait(
      `no ${shot.ready}`,
      page.locator(shot.ready).first().waitFor({ timeout: READY_TIMEOUT_MS }),
    );
  }
  return missing.length > 0 ? `missing: ${missing.join(", ")}` : "";
}

/**
 * A task with a workflow (a running one shows progress) and the workflow with the most tasks
 * among those running now: the biggest live DAG the demo has.
 */
async function pickSubjects(client: TaskManagerClient) {
  const { items: running } = await client.trpc.tasks.list.query({ state: "running", limit: 100 });
  const inWorkflows = running.filter((task) => task.workflowId !== null);
  let candidates = inWorkflows;
  if (candidates.length === 0) {
    const { items } = await client.trpc.tasks.list.query({ limit: 200 });
    candidates = items.filter((task) => task.workflowId !== null);
  }
  const task = candidates[0];
  if (!task?.workflowId) {
    throw new Error("no task belongs to a workflow: start the demo first (npm run demo)");
  }
  const ids = [...new Set(candidates.map((t) => t.workflowId).filter((id) => id !== null))];
  const workflows = await Promise.all(
    ids.slice(0, 20).map((id) => client.trpc.workflows.get.query({ id })),
  );
  const biggest = workflows.reduce((best, w) => (w.tasks.length > best.tasks.length ? w : best));
  return { taskId: task.id, workflowId: biggest.id };
}

main().catch((error: unknown) => {
  process.stderr.write(
    `screenshots: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
