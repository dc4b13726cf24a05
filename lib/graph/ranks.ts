/*
 * Layers of a DAG: a node's rank is the length of the longest path to it from a source, so
 * every edge points to a higher rank. Shared by the graph page's layout and the wall's small
 * graphs.
 */
import { adjacency } from "./adjacency";

/** Kahn's algorithm; whatever a cycle leaves unvisited is ranked after its visited parents. */
export function longestPathRanks(count: number, preds: number[][], succs: number[][]): Int32Array {
  const rank = new Int32Array(count);
  const waiting = Int32Array.from(preds, (list) => list.length);
  const queue: number[] = [];
  for (let v = 0; v < count; v++) if (waiting[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] ?? 0;
    for (const w of succs[v] ?? []) {
      rank[w] = Math.max(rank[w] ?? 0, (rank[v] ?? 0) + 1);
      waiting[w] = (waiting[w] ?? 0) - 1;
      if (waiting[w] === 0) queue.push(w);
    }
  }
  return rank;
}

/** The same, by id: nodes not on any edge get rank 0; edges to unknown ids are ignored. */
export function ranksById(
  ids: readonly string[],
  edges: readonly { from: string; to: string }[],
): Map<string, number> {
  const { preds, succs } = adjacency(ids, edges);
  const rank = longestPathRanks(ids.length, preds, succs);
  return new Map(ids.map((id, i) => [id, rank[i] ?? 0]));
}
