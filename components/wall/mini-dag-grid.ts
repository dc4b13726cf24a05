import { ranksById } from "@/lib/graph/ranks";

/**
 * The wall's grid for small DAGs (the graph page's pixel layout is lib/graph/layout.ts): a
 * node's layer is the longest path to it from a root, so every edge points rightwards
 * (lib/graph/ranks.ts); within a layer nodes keep their given order. A grid, not pixels:
 * cheap enough to run on every live update of a wall graph.
 */
export interface LayoutNode {
  id: string;
  layer: number;
  /** Position within its layer, from the top. */
  row: number;
}

export interface MiniDagGrid {
  nodes: Map<string, LayoutNode>;
  layers: number;
  /** Rows of the tallest layer. */
  rows: number;
}

export function miniDagGrid(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
): MiniDagGrid {
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
