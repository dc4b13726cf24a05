import { adjacency } from "./adjacency";
import { edgeKey, type GraphEdge, type GraphTask } from "./types";

/** The estimate when nothing in the workflow has finished yet, in seconds. */
export const DEFAULT_ESTIMATE_S = 1;

export interface CriticalPath {
  taskIds: Set<string>;
  /** `edgeKey`s of the edges along the path. */
  edgeKeys: Set<string>;
  /** Estimated length of the whole path, seconds. */
  seconds: number;
}

function actualSeconds(task: GraphTask): number | undefined {
  if (task.startedAt === null || task.finishedAt === null) return undefined;
  return Math.max(0, (Date.parse(task.finishedAt) - Date.parse(task.startedAt)) / 1000);
}

/**
 * What an unfinished task is expected to take: the median actual duration of the workflow's
 * finished tasks (tasks of one workflow tend to be alike), or DEFAULT_ESTIMATE_S when none has
 * finished.
 */
export function estimateSeconds(tasks: readonly GraphTask[]): number {
  const done = tasks.map(actualSeconds).filter((s): s is number => s !== undefined);
  if (done.length === 0) return DEFAULT_ESTIMATE_S;
  done.sort((a, b) => a - b);
  return done[Math.floor((done.length - 1) / 2)] ?? DEFAULT_ESTIMATE_S;
}

/**
 * A task's weight on the critical path, in seconds:
 * - it ran and finished (started and finished times): the actual duration;
 * - it is running: the longer of its time so far and the estimate;
 * - it ended without running (cancelled, or failed before a start): 0;
 * - otherwise (blocked, queued): the estimate.
 */
export function taskSeconds(task: GraphTask, estimate: number, nowMs: number): number {
  const actual = actualSeconds(task);
  if (actual !== undefined) return actual;
  if (task.state === "running" && task.startedAt !== null) {
    return Math.max(estimate, (nowMs - Date.parse(task.startedAt)) / 1000);
  }
  if (task.state === "cancelled" || task.state === "failed" || task.state === "succeeded") return 0;
  return estimate;
}

/**
 * The longest path through the DAG by `taskSeconds` (the chain of tasks that decides when the
 * workflow can end). Linear: one topological pass. Ties go to the earlier task (topological
 * order, then input order), so the path does not flicker between equal candidates. Tasks on a
 * cycle, which a DAG cannot have, are left off.
 */
export function criticalPath(
  tasks: readonly GraphTask[],
  edges: readonly GraphEdge[],
  nowMs: number,
): CriticalPath {
  const estimate = estimateSeconds(tasks);
  const { preds, succs } = adjacency(
    tasks.map((task) => task.id),
    edges,
  );
  const waiting = Int32Array.from(preds, (list) => list.length);
  const weight = tasks.map((task) => taskSeconds(task, estimate, nowMs));
  // Longest path ending at each task, and the predecessor it came through.
  const reach = Float64Array.from(weight);
  const via = new Int32Array(tasks.length).fill(-1);
  const queue: number[] = [];
  for (let v = 0; v < tasks.length; v++) if (waiting[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] ?? 0;
    for (const w of succs[v] ?? []) {
      const through = (reach[v] ?? 0) + (weight[w] ?? 0);
      // Any predecessor beats none (weights are ≥ 0); among equals the first one processed wins.
      if (via[w] === -1 || through > (reach[w] ?? 0)) {
        reach[w] = through;
        via[w] = v;
      }
      waiting[w] = (waiting[w] ?? 0) - 1;
      if (waiting[w] === 0) queue.push(w);
    }
  }

  let end = -1;
  for (const v of queue) if (end === -1 || (reach[v] ?? 0) > (reach[end] ?? 0)) end = v;
  const path: CriticalPath = { taskIds: new Set(), edgeKeys: new Set(), seconds: 0 };
  if (end === -1) return path;
  path.seconds = reach[end] ?? 0;
  for (let v = end; v !== -1; v = via[v] ?? -1) {
    const task = tasks[v];
    if (!task) break;
    path.taskIds.add(task.id);
    const from = tasks[via[v] ?? -1];
    if (from) path.edgeKeys.add(edgeKey({ from: from.id, to: task.id }));
  }
  return path;
}
