import { setTimeout as delay } from "node:timers/promises";
import { type CDPSession, chromium } from "@playwright/test";
import { CHROMIUM_LAUNCH_OPTIONS } from "@/e2e/fixtures/chromium";
import { signInThroughApi } from "@/e2e/fixtures/sign-in";
import { createTaskManagerClient } from "@/sdk";
import type { BenchEnvironment } from "./setup";
import { log } from "./stats";

export interface WallSoakParams {
  minutes: number;
  /** Starts the workload the wall watches; stopped when the soak ends. */
  startLoad: () => Promise<{ stop(): Promise<void> }>;
  /** Default: six samples over the run, at most five minutes apart. */
  sampleEveryMs?: number;
}

export interface HeapSample {
  /** Since the load started. */
  atS: number;
  /** JS heap in use after a forced garbage collection. */
  usedMb: number;
  totalMb: number;
  domNodes: number;
  listeners: number;
  /** The wall's stream status then (`live` unless something broke). */
  status: string | null;
}

const SETTLE_MS = 10_000;

/**
 * Opens `/wall?layout=grid` in Chromium as a viewer, starts the load, and samples the page's
 * JS heap (after a forced GC, over CDP) at the start, every few minutes and at the end. A wall
 * that holds no growing lists ends where it started, give or take the allocator's slack.
 */
export async function runWallSoak(
  env: BenchEnvironment,
  params: WallSoakParams,
): Promise<{ samples: HeapSample[]; reloads: number }> {
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const viewer = await admin.trpc.tokens.create.mutate({ name: "wall soak", role: "viewer" });
  const browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    let loads = 0;
    page.on("load", () => loads++);
    await signInThroughApi(page, env.server.url, viewer.secret);
    await page.goto(`${env.server.url}/wall?layout=grid`);
    await page
      .locator('[data-testid="wall"][data-status="live"]')
      .waitFor({ state: "attached", timeout: 60_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");

    const load = await params.startLoad();
    const startedAt = Date.now();
    const samples: HeapSample[] = [];
    const sample = async () => {
      const heap = await measure(cdp);
      const status = await page.getByTestId("wall").getAttribute("data-status");
      const entry = { atS: Math.round((Date.now() - startedAt) / 1000), ...heap, status };
      samples.push(entry);
      log(`wall soak: ${JSON.stringify(entry)}`);
    };
    try {
      // The first sample once the wall has taken in the load's first events and queries.
      await delay(SETTLE_MS);
      await sample();
      const totalMs = params.minutes * 60_000;
      const every = params.sampleEveryMs ?? Math.min(5 * 60_000, Math.max(10_000, totalMs / 6));
      for (;;) {
        const left = startedAt + totalMs - Date.now();
        if (left <= 0) break;
        await delay(Math.min(every, left));
        await sample();
      }
    } finally {
      await load.stop();
    }
    return { samples, reloads: loads - 1 };
  } finally {
    await browser.close();
  }
}

async function measure(cdp: CDPSession) {
  await cdp.send("HeapProfiler.collectGarbage");
  const usage = await cdp.send("Runtime.getHeapUsage");
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
  return {
    usedMb: mb(usage.usedSize),
    totalMb: mb(usage.totalSize),
    domNodes: metric("Nodes"),
    listeners: metric("JSEventListeners"),
  };
}
