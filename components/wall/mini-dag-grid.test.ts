import { describe, expect, it } from "vitest";
import { miniDagGrid } from "./mini-dag-grid";

describe("miniDagGrid (the wall's grid, not lib/graph's pixel layout)", () => {
  it("puts each node one layer after its deepest parent", () => {
    // a → b → d, a → c → d, a → d: d is on layer 2 (the longest path), not 1.
    const layout = miniDagGrid(
      ["a", "b", "c", "d"],
      [
        { from: "a", to: "b" },
        { from: "a", to: "c" },
        { from: "b", to: "d" },
        { from: "c", to: "d" },
        { from: "a", to: "d" },
      ],
    );
    expect([...layout.nodes.values()]).toEqual([
      { id: "a", layer: 0, row: 0 },
      { id: "b", layer: 1, row: 0 },
      { id: "c", layer: 1, row: 1 },
      { id: "d", layer: 2, row: 0 },
    ]);
    expect(layout.layers).toBe(3);
    expect(layout.rows).toBe(2);
  });

  it("ignores edges to nodes it was not given, and survives a cycle", () => {
    const layout = miniDagGrid(
      ["x", "y"],
      [
        { from: "gone", to: "x" },
        { from: "x", to: "y" },
        { from: "y", to: "x" },
      ],
    );
    // Neither node of the cycle has a parent outside it: both stay on the first layer, in
    // their given order, rather than the layout looping or dropping them.
    expect([...layout.nodes.values()]).toEqual([
      { id: "x", layer: 0, row: 0 },
      { id: "y", layer: 0, row: 1 },
    ]);
    expect(layout).toMatchObject({ layers: 1, rows: 2 });
  });

  it("lays out nothing as nothing", () => {
    expect(miniDagGrid([], [])).toMatchObject({ layers: 0, rows: 0 });
  });
});
