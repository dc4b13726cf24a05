import { describe, expect, it } from "vitest";
import { runBulk } from "./bulk";

const task = (id: string) => ({ id, name: `task ${id}`, state: "queued" as const });

describe("runBulk", () => {
  it("calls once per task and reports each refusal without stopping the rest", async () => {
    const called: string[] = [];
    const outcome = await runBulk(
      [task("a"), task("b"), task("c")],
      async ({ id }) => {
        called.push(id);
        if (id === "b") throw new Error("task b is running");
      },
      2,
    );
    expect(called.sort()).toEqual(["a", "b", "c"]);
    expect(outcome).toEqual({
      done: 2,
      refused: [{ id: "b", name: "task b", message: "task b is running" }],
    });
  });
});
