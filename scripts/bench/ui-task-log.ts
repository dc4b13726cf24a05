import { chromium, type Page } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { createTaskManagerClient } from "@/sdk";
import { holdTask } from "./held-task";
import type { BenchEnvironment } from "./setup";
import { log, now, quantile, summary } from "./stats";

export interface TaskLogRenderParams {
  /** Lines in the task's one attempt. */
  lines: number;
  /** Frames the scroll from the first line to the last takes (one step per frame). */
  scrollFrames: number;
  /** Lines logged one at a time while the page follows, for the live tail. */
  tailLines: number;
}

export interface TaskLogRenderResult {
  /** Navigation start to the first log line on screen (or the first paint, if later). */
  renderMs: number;
  /** Navigation start to every line loaded into the panel. */
  loadedMs: number;
  /** requestAnimationFrame intervals while scrolling through the whole log. */
  frameMs: number[];
  /** Main-thread tasks over 50 ms during that scroll. */
  longTasks: number;
  /**
   * The renderer's busy time (CDP's TaskDuration) during that scroll, per frame: less at the
   * mercy of other processes on the machine than the frame intervals.
   */
  cpuMsPerFrame: number;
  /** An agent's tasks.log call to the line in the followed panel's DOM. */
  tailMs: number[];
}

/**
 * The task page's log panel over one attempt of 100,000 lines (logged through tasks.log, 10,000
 * a call, the last few while the page follows): how soon lines show, how smoothly the whole log scrolls (frame intervals and long
 * tasks, measured in the page), and how soon a new line shows while the panel follows.
 */
export async function runTaskLogRender(
  env: BenchEnvironment,
  params: TaskLogRenderParams = { lines: 100_000, scrollFrames: 600, tailLines: 20 },
): Promise<TaskLogRenderResult> {
  const held = await heldTask(env);
  try {
    const seeded = now();
    const batch = 10_000;
    // The live tail's lines complete the 100,000: an attempt keeps no more (its log limit).
    const history = params.lines - params.tailLines;
    for (let offset = 0; offset < history; offset += batch) {
      const count = Math.min(batch, history - offset);
      await held.log(
        Array.from({ length: count }, (_, index) => {
          const n = offset + index;
          return {
            level: n % 50 === 0 ? ("warn" as const) : ("info" as const),
            message: `line ${n}: processed item ${n * 7} of the input in ${n % 13} ms`,
            fields: n % 10 === 0 ? { n } : undefined,
          };
        }),
      );
    }
    log(`task log: ${history} lines logged in ${((now() - seeded) / 1000).toFixed(1)} s`);

    const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.addInitScript(READY_PROBE);
      await page.addInitScript(SCROLL_THROUGH);
      await signInThroughApi(page, env.server.url, env.server.adminToken);
      await page.goto(`${env.server.url}/tasks/${held.taskId}`, { waitUntil: "commit" });
      const renderMs = await waitForLines(page);
      const lines = page.getByTestId("log-lines");
      await page.waitForFunction(
        (count) =>
          document.querySelector("[data-testid=log-lines]")?.getAttribute("data-count") ===
          String(count),
        history,
        { timeout: 120_000, polling: 50 },
      );
      const loadedMs = Number(await page.evaluate("performance.now()"));

      const tailMs: number[] = [];
      for (let i = 0; i < params.tailLines; i++) {
        const message = `tail line ${i}`;
        const started = now();
        await held.log([{ level: "info", message }]);
        await page.getByText(message, { exact: true }).waitFor({ timeout: 10_000 });
        tailMs.push(now() - started);
      }

      // Following scrolls to each new line: off, so the scroll below is the only one.
      await page.getByTestId("log-follow").click();
      await lines.evaluate((element) => {
        element.scrollTop = 0;
      });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      const busy = async () => {
        const { metrics } = await cdp.send("Performance.getMetrics");
        return (
          (metrics.find((metric) => metric.name === "TaskDuration")?.value ?? Number.NaN) * 1000
        );
      };
      const busyBefore = await busy();
      const scroll = await lines.evaluate(
        (element, frames) =>
          (
            window as unknown as {
              __scrollThrough: (
                element: Element,
                frames: number,
              ) => Promise<{ frames: number[]; longTasks: number }>;
            }
          ).__scrollThrough(element, frames),
        params.scrollFrames,
      );
      const cpuMsPerFrame = ((await busy()) - busyBefore) / params.scrollFrames;
      const result = {
        renderMs,
        loadedMs,
        frameMs: scroll.frames,
        longTasks: scroll.longTasks,
        cpuMsPerFrame,
        tailMs,
      };
      log(
        `task log panel: ${JSON.stringify({ renderMs, loadedMs, frames: summary(scroll.frames), longTasks: scroll.longTasks, cpuMsPerFrame, tail: summary(tailMs), tailP99: quantile(tailMs, 0.99) })}`,
      );
      return result;
    } finally {
      await browser.close();
    }
  } finally {
    held.stop();
  }
}

/** A running task held by an agent of its own, and its tasks.log. */
async function heldTask(env: BenchEnvironment) {
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const { lease, stop } = await holdTask(env, "a task with a long log");
  type Line = Parameters<typeof admin.trpc.tasks.log.mutate>[0]["lines"][number];
  return {
    taskId: lease.taskId,
    log: (lines: Line[]) => admin.trpc.tasks.log.mutate({ ...lease, lines }),
    stop,
  };
}

/**
 * Installed before any page script: notes when the panel first holds a line. A string: tsx
 * would wrap a function's inner helpers in `__name`.
 */
const READY_PROBE = `(() => {
  window.__logLinesAt = null;
  const observer = new MutationObserver(() => {
    if (window.__logLinesAt === null && document.querySelector("[data-testid=log-line]")) {
      window.__logLinesAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true });
})()`;

async function waitForLines(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    `(() => {
      const at = window.__logLinesAt;
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return at !== null && paint ? Math.max(at, paint.startTime) : false;
    })()`,
    undefined,
    { timeout: 60_000, polling: 20 },
  );
  return Number(await handle.jsonValue());
}

/**
 * Runs in the page on the scroll container: one scroll step a frame from the top to the
 * bottom, the intervals between frames, and the long tasks meanwhile. Installed as
 * `window.__scrollThrough`, a string for the same reason as READY_PROBE.
 */
const SCROLL_THROUGH = `window.__scrollThrough = (element, frames) => new Promise((resolve) => {
  let longTasks = 0;
  const observer = new PerformanceObserver((list) => { longTasks += list.getEntries().length; });
  observer.observe({ type: "longtask" });
  const step = (element.scrollHeight - element.clientHeight) / frames;
  const intervals = [];
  let last = null;
  let frame = 0;
  const tick = (time) => {
    if (last !== null) intervals.push(time - last);
    last = time;
    if (frame++ >= frames) {
      observer.disconnect();
      resolve({ frames: intervals, longTasks });
      return;
    }
    element.scrollTop = Math.round(frame * step);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})`;
