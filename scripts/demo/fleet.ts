import { type AgentWorker, createAgentWorker, createTaskManagerClient } from "@/sdk";
import { abortableSleep } from "@/sdk/worker/backoff";
import { DEMO_AGENTS, type DemoAgentSpec } from "./agents";
import { type PerKind, startDemoOrchestrator } from "./orchestrator";
import { createRandom } from "./random";
import { ensureDemoResources } from "./resources";
import { DEMO_SCHEDULE_NAME, ensureDemoSchedule } from "./schedules";
import { simulatedTask } from "./simulation";
import { ensureDemoTokens, memoryTokenStore, type TokenStore } from "./tokens";
import type { WorkflowKind } from "./workflows";

export interface DemoFleetOptions {
  /** The service's base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** An admin token: the fleet makes its own orchestrator and agent tokens with it. */
  token: string;
  /** Aborting it stops the fleet, as stop() does. */
  signal?: AbortSignal;
  /** Lines worth showing a person (registrations, errors); default: none. */
  log?: (line: string) => void;
  /** Keeps the demo tokens' secrets between runs; default: fresh tokens every start. */
  tokenStore?: TokenStore;
  /** Seeds every random choice (durations, failures, names); default: the clock. */
  seed?: number;
  /** Multiplies every duration and retry delay; default 1 (real time). */
  timeScale?: number;
  /** Duration range of the long training runs, seconds (unscaled); default 60–90. */
  longTaskSeconds?: readonly [number, number];
  /** Workflows of each kind kept unfinished; default research 3, training 5, code 3. */
  inFlight?: Partial<PerKind>;
  /** How long running tasks may finish on stop before they are handed back; default 2 s. */
  graceMs?: number;
}

export interface DemoFleetStats {
  uptimeS: number;
  agents: { name: string; id: string; running: number }[];
  workflows: { submitted: PerKind; active: PerKind; lastId?: string };
  /** Attempts reported by the demo's agents: retried = failed but to run again. */
  tasks: { succeeded: number; failed: number; retried: number; running: number };
  /** Pool usage as last read from the server. */
  pools: Record<string, { inUse: number; capacity: number }>;
  /** Problems the workers or the orchestrator handled (network, refusals). */
  errors: number;
}

export interface DemoFleet {
  /**
   * Stops submitting, drains the agents, stops every worker (tasks still running are handed
   * back), resolves.
   */
  stop(): Promise<void>;
  stats(): DemoFleetStats;
  /** Resolves with the stats once `predicate` holds; checked after every change. */
  until(predicate: (stats: DemoFleetStats) => boolean): Promise<DemoFleetStats>;
}

const DEFAULT_IN_FLIGHT: PerKind = { research: 3, training: 5, code: 3 };
/** Errors with the same text are logged once per this many milliseconds. */
const LOG_REPEAT_MS = 30_000;

/**
 * The demo fleet (`npm run demo`): simulated agents on the SDK's worker and an orchestrator
 * submitting realistic workflows, so that every page of the dashboard has something to show.
 * Runs in-process, so the benchmark can use it for a long wall-screen soak.
 */
export async function startDemoFleet(options: DemoFleetOptions): Promise<DemoFleet> {
  const log = options.log ?? (() => {});
  const timeScale = options.timeScale ?? 1;
  const tickMs = Math.max(200, 2_000 * timeScale);
  const halt = new AbortController();
  const admin = createTaskManagerClient({ url: options.url, token: options.token });

  const created = await ensureDemoResources(admin.trpc);
  if (created.length > 0) log(`created the missing resources ${created.join(", ")}`);
  const tokens = await ensureDemoTokens(admin.trpc, options.tokenStore ?? memoryTokenStore());
  const orchestratorClient = createTaskManagerClient({
    url: options.url,
    token: tokens.orchestrator,
  });

  const startedAt = Date.now();
  const counts = { succeeded: 0, failed: 0, retried: 0, errors: 0 };
  const pools: DemoFleetStats["pools"] = {};
  let lastWorkflowId: string | undefined;
  let stopping: Promise<void> | undefined;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const check of [...waiters]) check();
  };

  const lastLogged = new Map<string, number>();
  const reportError = (source: string, error: unknown) => {
    // Stopping abandons running tasks on purpose: those reports are no problem.
    if (halt.signal.aborted) return;
    counts.errors++;
    changed();
    const text = `${source}: ${error instanceof Error ? error.message : String(error)}`;
    const now = Date.now();
    const last = lastLogged.get(text);
    if (last !== undefined && now - last < LOG_REPEAT_MS) return;
    // Texts name tasks, so they keep changing: forget the old ones over an hours-long run.
    for (const [seen, at] of lastLogged) if (now - at >= LOG_REPEAT_MS) lastLogged.delete(seen);
    lastLogged.set(text, now);
    log(text);
  };

  const workers = DEMO_AGENTS.map((spec) => ({
    spec,
    worker: startWorker(spec),
  }));

  function startWorker(spec: DemoAgentSpec): AgentWorker {
    const worker = createAgentWorker({
      url: options.url,
      token: tokens.agents[spec.team],
      name: spec.name,
      capabilities: spec.capabilities,
      capacity: spec.capacity,
      concurrency: spec.concurrency,
      metadata: { demo: true, team: spec.team },
      handlers: Object.fromEntries(spec.types.map((type) => [type, simulatedTask])),
    });
    worker.events.on("completed", () => {
      counts.succeeded++;
      changed();
    });
    worker.events.on("failed", ({ task, retryable }) => {
      // Tasks handed back by stop() are no failure of the simulation.
      if (halt.signal.aborted) return;
      if (retryable && task.attempt < task.maxAttempts) counts.retried++;
      else counts.failed++;
      changed();
    });
    worker.events.on("error", ({ error, during }) =>
      reportError(`${spec.name} (${during})`, error),
    );
    return worker;
  }

  try {
    await Promise.all(workers.map(({ worker }) => worker.start()));
  } catch (error) {
    await Promise.all(workers.map(({ worker }) => worker.stop({ graceMs: 0 })));
    throw error;
  }
  // The last run drained them on its way out (see stop), and a drain outlives a registration.
  await Promise.all(
    workers.map(({ worker }) => admin.trpc.agents.resume.mutate({ agentId: worker.agentId })),
  );
  log(`${workers.length} agents registered: ${workers.map(({ spec }) => spec.name).join(", ")}`);

  try {
    if (await ensureDemoSchedule(orchestratorClient, timeScale)) {
      log(`created the schedule "${DEMO_SCHEDULE_NAME}"`);
    }
  } catch (error) {
    reportError("schedule", error);
  }

  const orchestrator = startDemoOrchestrator({
    client: orchestratorClient,
    settings: {
      random: createRandom(options.seed),
      timeScale,
      longTaskSeconds: options.longTaskSeconds ?? [60, 90],
    },
    inFlight: { ...DEFAULT_IN_FLIGHT, ...options.inFlight },
    tickMs,
    signal: halt.signal,
    onSubmitted: (_kind: WorkflowKind, id: string) => {
      lastWorkflowId = id;
      changed();
    },
    onError: (error) => reportError("orchestrator", error),
  });

  // Pool usage for the summary line: one small read per round.
  const watchingPools = (async () => {
    while (!halt.signal.aborted) {
      try {
        for (const resource of await orchestratorClient.trpc.resources.list.query()) {
          if (resource.scope === "pool" && resource.capacity !== null) {
            pools[resource.name] = { inUse: resource.inUse, capacity: resource.capacity };
          }
        }
        changed();
      } catch (error) {
        if (!halt.signal.aborted) reportError("resources", error);
      }
      await abortableSleep(tickMs, halt.signal);
    }
  })();

  const stats = (): DemoFleetStats => {
    const agents = workers.map(({ spec, worker }) => ({
      name: spec.name,
      // Known: every worker has registered before the fleet is returned.
      id: worker.agentId,
      running: worker.running,
    }));
    return {
      uptimeS: (Date.now() - startedAt) / 1000,
      agents,
      workflows: {
        submitted: orchestrator.submitted(),
        active: orchestrator.active(),
        lastId: lastWorkflowId,
      },
      tasks: {
        succeeded: counts.succeeded,
        failed: counts.failed,
        retried: counts.retried,
        running: agents.reduce((sum, agent) => sum + agent.running, 0),
      },
      pools: structuredClone(pools),
      errors: counts.errors,
    };
  };

  const stop = () => {
    stopping ??= (async () => {
      halt.abort();
      await Promise.all([orchestrator.done, watchingPools]);
      // Drained before the workers stop: a claim the server is still serving when its worker
      // gives up on it (a woken long-poll) then leases nothing, where it could otherwise lease
      // a task after the worker's last look at its leases and leave it to a stopped agent.
      await Promise.all(
        workers.map(({ spec, worker }) =>
          admin.trpc.agents.drain
            .mutate({ agentId: worker.agentId })
            .catch((error: unknown) => log(`${spec.name}: drain: ${String(error)}`)),
        ),
      );
      await Promise.all(
        workers.map(({ worker }) => worker.stop({ graceMs: options.graceMs ?? 2_000 })),
      );
      changed();
    })();
    return stopping;
  };
  if (options.signal?.aborted) await stop();
  else options.signal?.addEventListener("abort", () => void stop(), { once: true });

  return {
    stop,
    stats,
    until: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          const current = stats();
          if (!predicate(current)) return;
          waiters.delete(check);
          resolve(current);
        };
        waiters.add(check);
        check();
      }),
  };
}
