import { describe, expect, it } from "vitest";
import { isProcessRunning } from "./pids";

describe("isProcessRunning", () => {
  it("knows this process runs", () => {
    expect(isProcessRunning(process.pid)).toBe(true);
  });

  it("never calls a group address or a non-pid running", () => {
    // process.kill(-1, 0) and (0, 0) succeed: they address process groups, not a process.
    for (const pid of [-1, 0, -process.pid, Number.NaN, 1.5]) {
      expect(isProcessRunning(pid), String(pid)).toBe(false);
    }
  });
});
