import { type AgentWorker, type AgentWorkerOptions, createAgentWorker } from "@/sdk";
import type { BenchEnvironment } from "./setup";

export interface Fleet {
  workers: AgentWorker[];
  /** Resolves when `count` tasks have completed since the call, or rejects after `timeoutMs`. */
  completions(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  /** Reports the server refused or could not take, and task failures: a clean run has none. */
  problems(): { errors: number; failed: number; firstError?: string };
}

/** K SDK workers with one capability, so each phase's tasks go only to its own fleet. */
export async function startFleet(
  env: BenchEnvironment,
  params: { name: string; size: number } & Omit<
    AgentWorkerOptions,
    "url" | "token" | "name" | "capabilities"
  >,
): Promise<Fleet> {
  const workers = Array.from({ length: params.size }, (_, index) =>
    createAgentWorker({
      ...params,
      url: env.server.url,
      token: env.agentToken,
      name: `${params.name}-${index + 1}`,
      capabilities: [params.name],
    }),
  );
  let completed = 0;
  let errors = 0;
  let failed = 0;
  let firstError: string | undefined;
  let waiter: { target: number; resolve: () => void } | undefined;
  for (const worker of workers) {
    worker.events.on("completed", () => {
      completed++;
      if (waiter && completed >= waiter.target) waiter.resolve();
    });
    worker.events.on("failed", () => failed++);
    worker.events.on("error", ({ error, during }) => {
      errors++;
      firstError ??= `${during}: ${error instanceof Error ? error.message : String(error)}`;
    });
  }
  await Promise.all(workers.map((worker) => worker.start()));
  return {
    workers,
    completions(count, timeoutMs) {
      const target = completed + count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `only ${completed - target + count} of ${count} tasks completed in ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        waiter = {
          target,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          },
        };
        if (completed >= target) waiter.resolve();
      });
    },
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.stop({ graceMs: 1_000 })));
    },
    problems: () => ({ errors, failed, firstError }),
  };
}
