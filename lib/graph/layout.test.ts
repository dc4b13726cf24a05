import { describe, expect, it } from "vitest";
import { edges, layeredDag } from "@/test/fixtures/graphs";
import { DAGRE_MAX_NODES, type LayoutInput, layoutGraph, layoutKey } from "./layout";

const box = (id: string) => ({ id, width: 200, height: 64 });

/** Every edge goes strictly down (TB) or right (LR); no two boxes overlap. */
function expectLayered(input: LayoutInput, positions: Record<string, { x: number; y: number }>) {
  const along = input.direction === "TB" ? "y" : "x";
  for (const edge of input.edges) {
    const from = positions[edge.from];
    const to = positions[edge.to];
    if (!from || !to) throw new Error(`missing position for ${edge.from} or ${edge.to}`);
    expect(to[along]).toBeGreaterThan(from[along]);
  }
  const placed = input.nodes.map((node) => ({ ...node, ...positions[node.id] }));
  const sorted = placed.sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j];
      if (!a || !b || (b.x ?? 0) >= (a.x ?? 0) + a.width) break;
      const overlapY = (a.y ?? 0) < (b.y ?? 0) + b.height && (b.y ?? 0) < (a.y ?? 0) + a.height;
      expect(overlapY, `${a.id} overlaps ${b.id}`).toBe(false);
    }
  }
}

describe("layoutGraph", () => {
  it("places a small DAG in layers with dagre, both directions", () => {
    for (const direction of ["TB", "LR"] as const) {
      const input: LayoutInput = {
        direction,
        nodes: ["a", "b", "c", "d"].map(box),
        edges: edges("a>b", "a>c", "b>d", "c>d", "a>d"),
      };
      const result = layoutGraph(input);
      expect(Object.keys(result.positions).sort()).toEqual(["a", "b", "c", "d"]);
      expectLayered(input, result.positions);
      expect(result.width).toBeGreaterThan(0);
    }
  });

  it("lays out a 2,000-task DAG with the layered layout, one row per layer", () => {
    const dag = layeredDag(40, 50);
    const input: LayoutInput = { direction: "TB", nodes: dag.ids.map(box), edges: dag.edges };
    expect(input.nodes.length).toBeGreaterThan(DAGRE_MAX_NODES);
    // Its speed is measured by `npm run bench` (graph_layout_2000), not asserted here.
    const result = layoutGraph(input);
    expect(Object.keys(result.positions)).toHaveLength(2_000);
    expectLayered(input, result.positions);
    // One row per layer.
    expect(new Set(Object.values(result.positions).map((p) => p.y)).size).toBe(40);
  });

  it("survives a cycle and edges to unknown nodes in the big-graph layout", () => {
    const nodes = Array.from({ length: DAGRE_MAX_NODES + 1 }, (_, i) => box(`n${i}`));
    const result = layoutGraph({
      direction: "LR",
      nodes,
      edges: edges("n0>n1", "n1>n2", "n2>n1", "n0>ghost", "n3>n3"),
    });
    expect(Object.keys(result.positions)).toHaveLength(nodes.length);
  });
});

describe("layoutKey", () => {
  it("changes with the structure and only with it", () => {
    const input: LayoutInput = {
      direction: "TB",
      nodes: ["a", "b"].map(box),
      edges: edges("a>b"),
    };
    const key = layoutKey(input);
    expect(layoutKey({ ...input, nodes: [...input.nodes] })).toBe(key);
    expect(layoutKey({ ...input, direction: "LR" })).not.toBe(key);
    expect(layoutKey({ ...input, edges: edges("b>a") })).not.toBe(key);
    expect(layoutKey({ ...input, nodes: ["a", "c"].map(box) })).not.toBe(key);
  });
});
