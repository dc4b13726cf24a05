import { setTimeout as delay } from "node:timers/promises";
import { createAgentWorker } from "@/sdk";
import type { BenchEnvironment } from "./setup";
import { log } from "./stats";

const CAPABILITY = "wall-soak";

/**
 * A stand-in for the demo fleet while the wall soaks: a small diamond workflow submitted every
 * `intervalMs`, run by one SDK agent whose tasks take a few hundred milliseconds and report
 * progress half-way, so the wall sees every kind of task event at a steady rate.
 */
export async function startSoakLoad(
  env: BenchEnvironment,
  options: { intervalMs?: number } = {},
): Promise<{ stop(): Promise<void> }> {
  const intervalMs = options.intervalMs ?? 1_000;
  const work = async (
    _task: unknown,
    ctx: { progress(report: { fraction: number }): Promise<void> },
  ) => {
    await delay(100 + Math.random() * 400);
    await ctx.progress({ fraction: 0.5 });
    await delay(100 + Math.random() * 400);
    return { ok: true };
  };
  const worker = createAgentWorker({
    url: env.server.url,
    token: env.agentToken,
    name: "wall-soak-agent",
    capabilities: [CAPABILITY],
    concurrency: 8,
    waitMs: 5_000,
    handlers: { "soak-step": work },
  });
  let errors = 0;
  worker.events.on("error", () => errors++);
  await worker.start();

  const stopping = new AbortController();
  let submitted = 0;
  const step = (key: string, dependsOn: string[] = []) => ({
    key,
    name: `soak ${key}`,
    type: "soak-step",
    capabilities: [CAPABILITY],
    dependsOn,
  });
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await env.orchestrator.submitWorkflow({
          name: `soak ${++submitted}`,
          tasks: [
            step("a"),
            step("b", ["a"]),
            step("c", ["a"]),
            step("d", ["b", "c"]),
            step("e", ["d"]),
          ],
        });
      } catch {
        errors++;
      }
      await delay(intervalMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
      await worker.stop({ graceMs: 2_000 });
      log(`soak load: ${submitted} workflows submitted, ${errors} errors`);
    },
  };
}
