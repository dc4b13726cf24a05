import { type AgentWorker, type AgentWorkerOptions, createAgentWorker } from "@/sdk";
import type { BenchEnvironment } from "./setup";

export interface Fleet {
  workers: AgentWorker[];
  /**
   * Resolves when `count` tasks have completed since the call, or rejects after `timeoutMs`:
   * for tasks submitted after the call.
   */
  completions(count: number, timeoutMs: number): Promise<void>;
  /**
   * The same, counting from the fleet's start: for tasks submitted before the fleet started,
   * which its workers begin to complete while startFleet() and whatever follows it still run.
   * Counted from the call instead, a drain of 5,000 waited for 500 or 1,500 that had already
   * completed (twice in some twenty history phases, each stopping the run after 240 s).
   */
  completedSinceStart(count: number, timeoutMs: number): Promise<void>;
  /**
   * The fleet's first claim and last completion (their events' `at`), watched from before its
   * workers start: a drain's span (Infinity and 0 until each has happened).
   */
  span(): { firstClaimAt: number; lastCompletionAt: number };
  stop(): Promise<void>;
  /** Reports the server refused or could not take, and task failures: a clean run has none. */
  problems(): { errors: number; failed: number; firstError?: string };
}

/** K SDK workers with one capability, so each phase's tasks go only to its own fleet. */
export async function startFleet(
  env: BenchEnvironment,
  params: {
    name: string;
    size: number;
    /**
     * Called for each worker before any starts: listeners that must see every claim and
     * completion, the first ones included.
     */
    listen?: (worker: AgentWorker) => void;
  } & Omit<AgentWorkerOptions, "url" | "token" | "name" | "capabilities">,
): Promise<Fleet> {
  const { listen, ...options } = params;
  const workers = Array.from({ length: params.size }, (_, index) =>
    createAgentWorker({
      ...options,
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
  let firstClaimAt = Number.POSITIVE_INFINITY;
  let lastCompletionAt = 0;
  for (const worker of workers) {
    worker.events.on("claimed", ({ at }) => {
      firstClaimAt = Math.min(firstClaimAt, at);
    });
    worker.events.on("completed", ({ at }) => {
      lastCompletionAt = Math.max(lastCompletionAt, at);
      completed++;
      if (waiter && completed >= waiter.target) waiter.resolve();
    });
    worker.events.on("failed", () => failed++);
    worker.events.on("error", ({ error, during }) => {
      errors++;
      firstError ??= `${during}: ${error instanceof Error ? error.message : String(error)}`;
    });
    listen?.(worker);
  }
  /** Resolves once `target` tasks have completed since the start (`count` of them awaited). */
  const completedTotal = (target: number, count: number, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
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
  await Promise.all(workers.map((worker) => worker.start()));
  return {
    workers,
    completions(count, timeoutMs) {
      return completedTotal(completed + count, count, timeoutMs);
    },
    completedSinceStart(count, timeoutMs) {
      return completedTotal(count, count, timeoutMs);
    },
    span: () => ({ firstClaimAt, lastCompletionAt }),
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.stop({ graceMs: 1_000 })));
    },
    problems: () => ({ errors, failed, firstError }),
  };
}
