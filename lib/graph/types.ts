import type { TaskState } from "@/lib/tasks/states";

/** A task as the graph needs it: a subset of a `workflows.get` task. Times are ISO strings. */
export interface GraphTask {
  id: string;
  name: string;
  state: TaskState;
  startedAt: string | null;
  finishedAt: string | null;
  progress: number | null;
}

/** `from` must finish before `to`. */
export interface GraphEdge {
  from: string;
  to: string;
}

export const edgeKey = (edge: GraphEdge) => `${edge.from}>${edge.to}`;
