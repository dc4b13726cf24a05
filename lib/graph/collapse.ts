import type { GraphEdge, GraphTask } from "./types";

/** A box in the drawn graph: one task, or a group of finished tasks drawn as one. */
export type ViewNode =
  | { kind: "task"; id: string; task: GraphTask }
  | { kind: "group"; id: string; taskIds: string[] };

export interface CollapsedView {
  nodes: ViewNode[];
  /** Between view nodes, without duplicates or self-loops. */
  edges: GraphEdge[];
  /** Each task's view node id (itself, or its group's). */
  nodeOf: Map<string, string>;
}

/** A group needs at least this many tasks: collapsing one task into one box gains nothing. */
const MIN_GROUP = 2;

export const groupId = (taskIds: readonly string[]) => `group:${[...taskIds].sort()[0] ?? ""}`;

/**
 * Collapses finished branches: each connected set of succeeded tasks (following edges either
 * way) of at least MIN_GROUP tasks becomes one group node, unless its id is in `expanded`.
 * A group is named after its smallest task id, so it keeps its id (and its expanded state)
 * while it grows. Edges into or out of a group attach to the group.
 */
export function collapseFinished(
  tasks: readonly GraphTask[],
  edges: readonly GraphEdge[],
  expanded: ReadonlySet<string>,
): CollapsedView {
  const succeeded = new Set(tasks.filter((t) => t.state === "succeeded").map((t) => t.id));
  const neighbours = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!succeeded.has(from) || !succeeded.has(to)) continue;
    (neighbours.get(from) ?? neighbours.set(from, []).get(from))?.push(to);
    (neighbours.get(to) ?? neighbours.set(to, []).get(to))?.push(from);
  }

  const nodeOf = new Map<string, string>();
  const groups = new Map<string, string[]>();
  for (const task of tasks) {
    if (!succeeded.has(task.id) || nodeOf.has(task.id)) continue;
    const members = [task.id];
    nodeOf.set(task.id, "");
    for (let i = 0; i < members.length; i++) {
      for (const next of neighbours.get(members[i] ?? "") ?? []) {
        if (nodeOf.has(next)) continue;
        nodeOf.set(next, "");
        members.push(next);
      }
    }
    const id = groupId(members);
    const collapse = members.length >= MIN_GROUP && !expanded.has(id);
    for (const member of members) nodeOf.set(member, collapse ? id : member);
    if (collapse) groups.set(id, members);
  }

  const nodes: ViewNode[] = [];
  const placed = new Set<string>();
  for (const task of tasks) {
    const id = nodeOf.get(task.id) ?? task.id;
    nodeOf.set(task.id, id);
    if (placed.has(id)) continue;
    placed.add(id);
    const members = groups.get(id);
    nodes.push(members ? { kind: "group", id, taskIds: members } : { kind: "task", id, task });
  }

  const seen = new Set<string>();
  const viewEdges: GraphEdge[] = [];
  for (const edge of edges) {
    const from = nodeOf.get(edge.from);
    const to = nodeOf.get(edge.to);
    if (from === undefined || to === undefined || from === to) continue;
    const key = `${from}>${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    viewEdges.push({ from, to });
  }
  return { nodes, edges: viewEdges, nodeOf };
}

/** Every task as its own node: the view with nothing collapsed. */
export function uncollapsed(
  tasks: readonly GraphTask[],
  edges: readonly GraphEdge[],
): CollapsedView {
  return {
    nodes: tasks.map((task) => ({ kind: "task", id: task.id, task })),
    edges: [...edges],
    nodeOf: new Map(tasks.map((task) => [task.id, task.id])),
  };
}
