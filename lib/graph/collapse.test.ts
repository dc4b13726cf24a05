import { describe, expect, it } from "vitest";
import { edges, task } from "@/test/fixtures/graphs";
import { collapseFinished, groupId, uncollapsed } from "./collapse";

const done = (id: string) => task(id, { state: "succeeded" });

describe("collapseFinished", () => {
  // a, b, c succeeded (a → b → c and a → c); d runs after c; e waits; f alone succeeded.
  const tasks = [
    done("a"),
    done("b"),
    done("c"),
    task("d", { state: "running" }),
    task("e"),
    done("f"),
  ];
  const links = edges("a>b", "b>c", "a>c", "c>d", "d>e", "f>e");

  it("draws each connected set of succeeded tasks as one group", () => {
    const view = collapseFinished(tasks, links, new Set());
    const group = groupId(["a", "b", "c"]);
    expect(group).toBe("group:a");
    expect(view.nodes.map((node) => node.id)).toEqual([group, "d", "e", "f"]);
    expect(view.nodes[0]).toMatchObject({ kind: "group", taskIds: ["a", "b", "c"] });
    // Edges inside the group vanish; the one leaving it attaches to the group.
    expect(view.edges).toEqual(edges(`${group}>d`, "d>e", "f>e"));
    expect(view.nodeOf.get("b")).toBe(group);
    expect(view.nodeOf.get("f")).toBe("f");
  });

  it("leaves an expanded group's tasks as they are", () => {
    const view = collapseFinished(tasks, links, new Set(["group:a"]));
    expect(view.nodes.map((node) => node.id)).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(view.edges).toEqual(links);
  });

  it("merges parallel edges into one", () => {
    const view = collapseFinished(
      [done("a"), done("b"), task("c")],
      edges("a>b", "a>c", "b>c"),
      new Set(),
    );
    expect(view.edges).toEqual(edges("group:a>c"));
  });

  it("uncollapsed: every task its own node", () => {
    const view = uncollapsed(tasks, links);
    expect(view.nodes).toHaveLength(tasks.length);
    expect(view.edges).toEqual(links);
  });
});
