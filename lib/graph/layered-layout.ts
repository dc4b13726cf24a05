import { adjacency } from "./adjacency";
import type { LayoutInput, LayoutResult } from "./layout";
import { longestPathRanks } from "./ranks";

const NODE_GAP = 24;
const RANK_GAP = 64;
const MARGIN = 16;
/** Barycentre sweeps (each one down then up). More buy little on workflow-shaped DAGs. */
const SWEEPS = 4;

/**
 * The layered (Sugiyama) scheme dagre uses, in linear passes: rank = longest path from a
 * source, order within a rank by barycentre sweeps, then nodes packed and centred per rank.
 * No dummy nodes for long edges and no Brandes–Köpf placement, so it is less polished than
 * dagre, but it lays out 2,000 tasks in tens of milliseconds where dagre takes seconds.
 * Cycles (which a collapsed view can create) are broken by leaving the rest in input order.
 */
export function layeredLayout(input: LayoutInput): LayoutResult {
  const ids = input.nodes.map((node) => node.id);
  const { preds, succs } = adjacency(ids, input.edges);

  const rank = longestPathRanks(ids.length, preds, succs);
  const layers: number[][] = [];
  for (let v = 0; v < ids.length; v++) {
    const r = rank[v] ?? 0;
    const layer = layers[r] ?? [];
    layers[r] = layer;
    layer.push(v);
  }
  const order = new Float64Array(ids.length);
  const renumber = (layer: number[]) => {
    layer.forEach((v, i) => {
      order[v] = i;
    });
  };
  for (const layer of layers) if (layer) renumber(layer);

  const barycentre = (v: number, neighbours: number[][]) => {
    const around = neighbours[v] ?? [];
    if (around.length === 0) return order[v] ?? 0;
    let sum = 0;
    for (const u of around) sum += order[u] ?? 0;
    return sum / around.length;
  };
  const sweep = (layer: number[] | undefined, neighbours: number[][]) => {
    if (!layer) return;
    const keys = new Map(layer.map((v) => [v, barycentre(v, neighbours)]));
    layer.sort((a, b) => (keys.get(a) ?? 0) - (keys.get(b) ?? 0) || a - b);
    renumber(layer);
  };
  for (let i = 0; i < SWEEPS; i++) {
    for (let r = 1; r < layers.length; r++) sweep(layers[r], preds);
    for (let r = layers.length - 2; r >= 0; r--) sweep(layers[r], succs);
  }

  return place(input, layers);
}

function place(input: LayoutInput, layers: number[][]): LayoutResult {
  const across = input.direction === "TB" ? "width" : "height";
  const along = input.direction === "TB" ? "height" : "width";
  const size = (v: number, side: "width" | "height") => input.nodes[v]?.[side] ?? 0;

  const spans = layers.map((layer) =>
    (layer ?? []).reduce((sum, v, i) => sum + size(v, across) + (i > 0 ? NODE_GAP : 0), 0),
  );
  const widest = Math.max(0, ...spans);
  const positions: LayoutResult["positions"] = {};
  let offsetAlong = MARGIN;
  layers.forEach((layer, r) => {
    if (!layer) return;
    const depth = Math.max(0, ...layer.map((v) => size(v, along)));
    let offsetAcross = MARGIN + (widest - (spans[r] ?? 0)) / 2;
    for (const v of layer) {
      const id = input.nodes[v]?.id;
      if (id === undefined) continue;
      // Centred along the rank, so nodes of different depths line up on its middle.
      const a = offsetAlong + (depth - size(v, along)) / 2;
      positions[id] =
        input.direction === "TB" ? { x: offsetAcross, y: a } : { x: a, y: offsetAcross };
      offsetAcross += size(v, across) + NODE_GAP;
    }
    offsetAlong += depth + RANK_GAP;
  });
  const total = { across: widest + 2 * MARGIN, along: offsetAlong - RANK_GAP + MARGIN };
  return input.direction === "TB"
    ? { positions, width: total.across, height: total.along }
    : { positions, width: total.along, height: total.across };
}
