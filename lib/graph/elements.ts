import { type Edge, type Node, type NodeHandle, Position } from "@xyflow/react";
import type { CollapsedView } from "./collapse";
import type { CriticalPath } from "./critical-path";
import type { LayoutInput, LayoutResult } from "./layout";
import type { GraphTask } from "./types";

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

// Handle boxes of 1×1 px centred on the edge of the box: edges meet the middle of a side.
const HANDLES_TB: NodeHandle[] = [
  { type: "target", position: Position.Top, x: NODE_WIDTH / 2 - 0.5, y: 0 },
  { type: "source", position: Position.Bottom, x: NODE_WIDTH / 2 - 0.5, y: NODE_HEIGHT - 1 },
];
const HANDLES_LR: NodeHandle[] = [
  { type: "target", position: Position.Left, x: 0, y: NODE_HEIGHT / 2 - 0.5 },
  { type: "source", position: Position.Right, x: NODE_WIDTH - 1, y: NODE_HEIGHT / 2 - 0.5 },
];

export type TaskNodeData = { task: GraphTask; critical: boolean };
export type GroupNodeData = { groupId: string; count: number; critical: boolean };
export type TaskFlowNode = Node<TaskNodeData, "task">;
export type GroupFlowNode = Node<GroupNodeData, "group">;
export type GraphFlowNode = TaskFlowNode | GroupFlowNode;

/** The layout's input for a view: its structure only, so state changes keep the layout. */
export function layoutInputOf(
  view: CollapsedView,
  direction: LayoutInput["direction"],
): LayoutInput {
  return {
    direction,
    nodes: view.nodes.map((node) => ({ id: node.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: view.edges,
  };
}

/** The critical path in terms of the view's nodes and edges (a group is on it if a member is). */
export function criticalInView(view: CollapsedView, path: CriticalPath) {
  const nodes = new Set<string>();
  for (const id of path.taskIds) nodes.add(view.nodeOf.get(id) ?? id);
  const edges = new Set<string>();
  for (const key of path.edgeKeys) {
    const [from = "", to = ""] = key.split(">");
    const a = view.nodeOf.get(from) ?? from;
    const b = view.nodeOf.get(to) ?? to;
    if (a !== b) edges.add(`${a}>${b}`);
  }
  return { nodes, edges };
}

/**
 * xyflow nodes and edges for the view at the layout's positions. A node whose inputs (task,
 * position, critical) are unchanged is returned as the very object of `previous`, so a live
 * update re-renders only the nodes it changed. Nodes the layout lacks (a relayout pending) are
 * left out until it arrives.
 */
export function buildElements(
  view: CollapsedView,
  layout: LayoutResult,
  critical: { nodes: Set<string>; edges: Set<string> },
  previous: ReadonlyMap<string, GraphFlowNode>,
  direction: LayoutInput["direction"],
): { nodes: GraphFlowNode[]; edges: Edge[] } {
  const horizontal = direction === "LR";
  const nodes: GraphFlowNode[] = [];
  for (const node of view.nodes) {
    const position = layout.positions[node.id];
    if (!position) continue;
    const onPath = critical.nodes.has(node.id);
    const before = previous.get(node.id);
    if (
      before &&
      before.position === position &&
      before.data.critical === onPath &&
      (before.targetPosition === Position.Left) === horizontal &&
      (node.kind === "task"
        ? before.type === "task" && before.data.task === node.task
        : before.type === "group" && before.data.count === node.taskIds.length)
    ) {
      nodes.push(before);
      continue;
    }
    const common = {
      id: node.id,
      position,
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      draggable: false,
      connectable: false,
      sourcePosition: horizontal ? Position.Right : Position.Bottom,
      targetPosition: horizontal ? Position.Left : Position.Top,
      // Every box has the same size and handles, so xyflow is told them instead of measuring:
      // with onlyRenderVisibleElements it never draws (so never measures) the nodes off
      // screen, and would wait for them before fitting the view or drawing their edges.
      measured: { width: NODE_WIDTH, height: NODE_HEIGHT },
      handles: horizontal ? HANDLES_LR : HANDLES_TB,
    };
    nodes.push(
      node.kind === "task"
        ? { ...common, type: "task", data: { task: node.task, critical: onPath } }
        : {
            ...common,
            type: "group",
            data: { groupId: node.id, count: node.taskIds.length, critical: onPath },
          },
    );
  }
  const edges: Edge[] = view.edges
    .filter((edge) => layout.positions[edge.from] && layout.positions[edge.to])
    .map((edge) => {
      const id = `${edge.from}>${edge.to}`;
      const onPath = critical.edges.has(id);
      return {
        id,
        source: edge.from,
        target: edge.to,
        focusable: false,
        className: onPath ? "graph-edge-critical" : undefined,
        zIndex: onPath ? 1 : 0,
        data: { critical: onPath },
      };
    });
  return { nodes, edges };
}
