import { describe, expect, it } from "vitest";
import { layeredLayout } from "./layered-layout";

describe("layeredLayout", () => {
  it("puts each node one layer after its deepest parent", () => {
    // a → b → d, a → c → d, a → d: d is on layer 2 (the longest path), not 1.
    const layout = layeredLayout(
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
    const layout = layeredLayout(
      ["x", "y"],
      [
        { from: "gone", to: "x" },
        { from: "x", to: "y" },
        { from: "y", to: "x" },
      ],
    );
    expect(layout.nodes.size).toBe(2);
    expect(layout.layers).toBeGreaterThanOrEqual(1);
  });

  it("lays out nothing as nothing", () => {
    expect(layeredLayout([], [])).toMatchObject({ layers: 0, rows: 0 });
  });
});
