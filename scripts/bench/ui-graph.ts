import { chromium } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { LAYOUT_MEASURE, RENDERED_MARK } from "@/lib/graph/marks";
import { layeredDag } from "./layered-dag";
import type { BenchEnvironment } from "./setup";
import { log } from "./stats";

export interface GraphLayoutParams {
  layers: number;
  width: number;
  timeoutMs: number;
}

export interface GraphLayoutResult {
  tasks: number;
  edges: number;
  /** The worker round trip of the first layout (performance.measure in the page). */
  layoutMs: number;
  /** From navigation start to every node measured and drawn (performance.mark in the page). */
  renderMs: number;
  /** `.react-flow__node` elements in the DOM at that point. */
  renderedNodes: number;
}

/**
 * The run page's Graph section with a 2,000-task workflow (layers with fan-in and fan-out): how long the
 * layout takes in its worker, and how long until the whole graph is on screen, measured
 * inside the page and read back.
 */
export async function runGraphLayout(
  env: BenchEnvironment,
  params: GraphLayoutParams = { layers: 40, width: 50, timeoutMs: 120_000 },
): Promise<GraphLayoutResult> {
  const tasks = layeredDag(params.layers, params.width, (key, dependsOn) => ({
    key,
    name: `step ${key.slice(1)}`,
    type: "bench-graph",
    dependsOn,
  }));
  const edges = tasks.reduce((sum, task) => sum + (task.dependsOn?.length ?? 0), 0);
  log(`graph: a workflow of ${tasks.length} tasks and ${edges} edges`);
  const submitted = await env.orchestrator.submitWorkflow({ name: "bench graph", tasks });

  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const next = `/workflows/${submitted.workflow.id}?tab=graph`;
    await signInThroughApi(page, env.server.url, env.server.adminToken);
    await page.goto(`${env.server.url}${next}`);
    const names = { layout: LAYOUT_MEASURE, rendered: RENDERED_MARK };
    await page.waitForFunction(
      (n) =>
        performance.getEntriesByName(n.rendered).length > 0 &&
        performance.getEntriesByName(n.layout).length > 0,
      names,
      { timeout: params.timeoutMs, polling: 100 },
    );
    const measured = await page.evaluate((n) => {
      return {
        layoutMs: performance.getEntriesByName(n.layout)[0]?.duration ?? Number.NaN,
        renderMs: performance.getEntriesByName(n.rendered)[0]?.startTime ?? Number.NaN,
        renderedNodes: document.querySelectorAll(".react-flow__node").length,
      };
    }, names);
    return { tasks: tasks.length, edges, ...measured };
  } finally {
    await browser.close();
  }
}
