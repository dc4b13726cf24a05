import { describe, expect, it } from "vitest";
import { demoRequest } from "./demo";
import { StartError } from "./start-error";

const argv = (...args: string[]) => ["node", "scripts/start.ts", ...args];

describe("asking the launcher for the demo", () => {
  it("is --demo (as npm start -- --demo passes it) or TM_DEMO", () => {
    expect(demoRequest(argv(), {})).toBeNull();
    expect(demoRequest(argv("--demo"), {})).toEqual({ timeScale: 1 });
    expect(demoRequest(argv(), { TM_DEMO: "1" })).toEqual({ timeScale: 1 });
    expect(demoRequest(argv(), { TM_DEMO: "true" })).toEqual({ timeScale: 1 });
    expect(demoRequest(argv(), { TM_DEMO: "0" })).toBeNull();
    expect(demoRequest(argv(), { TM_DEMO: "" })).toBeNull();
    expect(demoRequest(argv("--demo"), { TM_DEMO_TIME_SCALE: "0.5" })).toEqual({ timeScale: 0.5 });
  });

  it("refuses a time scale that is no positive number, in one line", () => {
    expect(() => demoRequest(argv("--demo"), { TM_DEMO_TIME_SCALE: "fast" })).toThrow(StartError);
    expect(() => demoRequest(argv("--demo"), { TM_DEMO_TIME_SCALE: "0" })).toThrow(
      'TM_DEMO_TIME_SCALE: expected a positive number, received "0"',
    );
  });
});
