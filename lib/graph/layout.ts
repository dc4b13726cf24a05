import dagre from "@dagrejs/dagre";
import { layeredLayout } from "./layered-layout";

export type LayoutDirection = "TB" | "LR";

export interface LayoutInput {
  direction: LayoutDirection;
  nodes: { id: string; width: number; height: number }[];
  /** `from` must finish before `to`; edges naming an unknown node are ignored. */
  edges: { from: string; to: string }[];
}

/** Top-left corner of each node, as xyflow positions it. */
export interface LayoutResult {
  positions: Record<string, { x: number; y: number }>;
  width: number;
  height: number;
}

/**
 * Up to this many nodes, dagre (network-simplex ranks, crossing reduction, Brandes–Köpf
 * placement: the best-looking). Above, dagre's cost grows past what a page can wait for
 * (2,000 tasks: 2.5–4 s of CPU on the build machine, even with its longest-path ranker), so
 * the linear layered layout takes over.
 */
export const DAGRE_MAX_NODES = 500;

/**
 * A layered, top-to-bottom or left-to-right layout of the DAG. Pure and synchronous: run it in
 * a worker (layout.worker.ts) so a big graph never blocks the page.
 */
export function layoutGraph(input: LayoutInput): LayoutResult {
  if (input.nodes.length > DAGRE_MAX_NODES) return layeredLayout(input);
  return dagreLayout(input);
}

function dagreLayout(input: LayoutInput): LayoutResult {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({
    rankdir: input.direction,
    nodesep: 24,
    ranksep: 64,
    marginx: 16,
    marginy: 16,
  });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of input.nodes)
    graph.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of input.edges) {
    if (edge.from !== edge.to && graph.hasNode(edge.from) && graph.hasNode(edge.to)) {
      graph.setEdge(edge.from, edge.to);
    }
  }
  dagre.layout(graph);

  const positions: LayoutResult["positions"] = {};
  for (const node of input.nodes) {
    const placed = graph.node(node.id);
    // dagre gives centres; xyflow wants the top-left corner.
    positions[node.id] = {
      x: (placed.x ?? 0) - node.width / 2,
      y: (placed.y ?? 0) - node.height / 2,
    };
  }
  const label = graph.graph();
  return { positions, width: label.width ?? 0, height: label.height ?? 0 };
}

/**
 * A key that changes when, and only when, the layout's input changes: the layout cache's key
 * (with the workflow id). A state change alone keeps it, so it never causes a relayout.
 */
export function layoutKey(input: LayoutInput): string {
  // FNV-1a over the structure: ids, sizes, edges. Cheap for thousands of nodes.
  let hash = 0x811c9dc5;
  const add = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  };
  add(input.direction);
  for (const node of input.nodes) add(`|${node.id}:${node.width}x${node.height}`);
  for (const edge of input.edges) add(`|${edge.from}>${edge.to}`);
  return `${input.nodes.length}.${input.edges.length}.${(hash >>> 0).toString(36)}`;
}
