import type { WorkflowInput } from "@/sdk";

type WorkflowTask = WorkflowInput["tasks"][number];

/**
 * A layered DAG, `layers` × `width`: each task after 3 of the layer above, wrapping round, so
 * every layer has fan-in and fan-out. Keys are `l<layer>.<i>`; `task` turns a key and its
 * upstream keys into the task to submit. Shared by the dependency-release latency run and
 * the graph page's benchmark.
 */
export function layeredDag(
  layers: number,
  width: number,
  task: (key: string, dependsOn: string[]) => WorkflowTask,
): WorkflowTask[] {
  const tasks: WorkflowTask[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      const parents =
        layer === 0
          ? []
          : [...new Set([i, (i + 1) % width, (i + 7) % width])].map((j) => `l${layer - 1}.${j}`);
      tasks.push(task(`l${layer}.${i}`, parents));
    }
  }
  return tasks;
}
