import { ranksById } from "@/lib/graph/ranks";

/**
 * A layered layout for small DAGs: a node's layer is the longest path to it from a root, so
 * every edge points rightwards (lib/graph/ranks.ts); within a layer nodes keep their given
 * order. A grid, not pixels: cheap enough to run on every live update of a wall graph.
 */
export interface LayoutNode {
  id: string;
  layer: number;
  /** Position within its layer, from the top. */
  row: number;
}

export interface LayeredLayout {
  nodes: Map<string, LayoutNode>;
  layers: number;
  /** Rows of the tallest layer. */
  rows: number;
}

export function layeredLayout(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
): LayeredLayout {
  const ranks = ranksById(ids, edges);
  const nodes = new Map<string, LayoutNode>();
  const rowsInLayer: number[] = [];
  for (const id of ids) {
    const layer = ranks.get(id) ?? 0;
    const row = rowsInLayer[layer] ?? 0;
    rowsInLayer[layer] = row + 1;
    nodes.set(id, { id, layer, row });
  }
  return {
    nodes,
    layers: rowsInLayer.length,
    rows: Math.max(0, ...rowsInLayer.map((n) => n ?? 0)),
  };
}
