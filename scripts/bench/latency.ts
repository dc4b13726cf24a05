import type { WorkflowInput } from "@/sdk";
import { startFleet } from "./fleet";
import { layeredDag } from "./layered-dag";
import type { BenchEnvironment } from "./setup";
import { log, now, summary } from "./stats";

export interface LatencyParams {
  chain: number;
  layers: number;
  width: number;
  workers: number;
  timeoutMs: number;
  /** The SDK's claimOnComplete (default true); off: the long-poll claims every child. */
  claimOnComplete?: boolean;
}

type Times = Map<string, number>;

/** Hops run before the measured ones: enough for each pooled connection to see each statement. */
const WARM_UP_CHAIN = 100;

/**
 * Dependency release latency: how long after a parent's completion is acknowledged (the
 * worker's completeMany returned) a waiting worker's long-poll claim returns the child.
 * Also from the parent's handler end to the child's handler start: that adds the worker's
 * completion batching delay and the completeMany round trip. With the SDK's claimOnComplete
 * the child usually comes back in its parent's completeMany answer: a release of ~0 ms.
 */
export async function runLatency(env: BenchEnvironment, params: LatencyParams) {
  const times = { claimed: new Map(), completed: new Map(), started: new Map(), ended: new Map() };
  const fleet = await startFleet(env, {
    name: "bench-latency",
    size: params.workers,
    // Room for a whole layer at once: the wait measured must be the release, not a free slot.
    concurrency: params.width,
    claimOnComplete: params.claimOnComplete,
    handlers: {
      link: async (task) => {
        times.started.set(task.id, now());
        times.ended.set(task.id, now());
      },
    },
  });
  for (const worker of fleet.workers) {
    worker.events.on("claimed", ({ tasks, at }) => {
      for (const task of tasks) times.claimed.set(task.id, at);
    });
    worker.events.on("completed", ({ task, at }) => times.completed.set(task.id, at));
  }
  try {
    // Unmeasured: a fresh server's first hops parse and plan each statement on each pooled
    // connection, and JIT-compile the paths; the figures are of a service that has been running.
    await runDag(env, fleet, chainTasks(WARM_UP_CHAIN), params.timeoutMs);
    for (const map of Object.values(times)) map.clear();
    log(`latency: a chain of ${params.chain} tasks over ${params.workers} waiting workers`);
    const chain = await runDag(env, fleet, chainTasks(params.chain), params.timeoutMs);
    log(`latency: ${params.layers} layers × ${params.width}, each task after 3 of the layer above`);
    const layered = await runDag(
      env,
      fleet,
      layeredDag(params.layers, params.width, task),
      params.timeoutMs,
    );
    const measure = (dag: typeof chain) => ({
      release: hops(dag, times.completed, times.claimed),
      handlerToHandler: hops(dag, times.ended, times.started),
    });
    return { chain: measure(chain), layered: measure(layered), problems: fleet.problems() };
  } finally {
    await fleet.stop();
  }
}

/** Per child: its time in `to` less the latest of its parents' times in `from`. */
function hops(
  dag: { idByKey: Map<string, string>; parents: Map<string, string[]> },
  from: Times,
  to: Times,
) {
  const values: number[] = [];
  for (const [key, parentKeys] of dag.parents) {
    if (parentKeys.length === 0) continue;
    const child = to.get(dag.idByKey.get(key) ?? "");
    const parentTimes = parentKeys.map((parent) => from.get(dag.idByKey.get(parent) ?? ""));
    if (child === undefined || parentTimes.some((time) => time === undefined)) continue;
    values.push(child - Math.max(...(parentTimes as number[])));
  }
  return summary(values);
}

async function runDag(
  env: BenchEnvironment,
  fleet: Awaited<ReturnType<typeof startFleet>>,
  tasks: WorkflowInput["tasks"],
  timeoutMs: number,
) {
  const done = fleet.completions(tasks.length, timeoutMs);
  const submitted = await env.orchestrator.submitWorkflow({ name: "latency", tasks });
  await done;
  return {
    idByKey: new Map(submitted.tasks.map((task) => [task.key, task.id])),
    parents: new Map(tasks.map((task) => [task.key, task.dependsOn ?? []])),
  };
}

const task = (key: string, dependsOn: string[]) => ({
  key,
  name: key,
  type: "link",
  capabilities: ["bench-latency"],
  dependsOn,
});

function chainTasks(length: number): WorkflowInput["tasks"] {
  return Array.from({ length }, (_, i) => task(`c${i}`, i === 0 ? [] : [`c${i - 1}`]));
}
