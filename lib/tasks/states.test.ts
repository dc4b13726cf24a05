import { describe, expect, it } from "vitest";
import { isTerminal, TASK_STATES } from "./states";

describe("isTerminal", () => {
  it("holds for the finished states only", () => {
    expect(TASK_STATES.filter(isTerminal)).toEqual(["succeeded", "failed", "cancelled"]);
  });
});
