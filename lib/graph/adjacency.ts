/**
 * A graph by node index, which the layout, ranks and critical path walk in linear passes.
 * Edges to ids not in `ids`, and self-loops, are left out.
 */
export interface Adjacency {
  index: Map<string, number>;
  /** Per node, the nodes with an edge to it. */
  preds: number[][];
  /** Per node, the nodes it has an edge to. */
  succs: number[][];
}

export function adjacency(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
): Adjacency {
  const index = new Map(ids.map((id, i) => [id, i]));
  const preds: number[][] = ids.map(() => []);
  const succs: number[][] = ids.map(() => []);
  for (const edge of edges) {
    const from = index.get(edge.from);
    const to = index.get(edge.to);
    if (from === undefined || to === undefined || from === to) continue;
    preds[to]?.push(from);
    succs[from]?.push(to);
  }
  return { index, preds, succs };
}
