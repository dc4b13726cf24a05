/**
 * A layered layout for small DAGs: a node's layer is the longest path to it from a root, so
 * every edge points rightwards; within a layer nodes keep their given order. Cheap enough to
 * run on every live update of a wall graph (tens of nodes), with no layout library.
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
  const known = new Set(ids);
  const incoming = new Map<string, string[]>();
  for (const edge of edges) {
    if (!known.has(edge.from) || !known.has(edge.to)) continue;
    incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge.from]);
  }
  const layerOf = new Map<string, number>();
  // Iterative depth-first: the graph is acyclic, but a defensive guard keeps a cycle in bad
  // data from looping (a node on the current path counts as layer 0 for its descendant).
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const cached = layerOf.get(id);
    if (cached !== undefined) return cached;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let layer = 0;
    for (const parent of incoming.get(id) ?? []) layer = Math.max(layer, depth(parent) + 1);
    visiting.delete(id);
    layerOf.set(id, layer);
    return layer;
  };
  const nodes = new Map<string, LayoutNode>();
  const rowsInLayer: number[] = [];
  for (const id of ids) {
    const layer = depth(id);
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
