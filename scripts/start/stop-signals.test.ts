import { afterEach, describe, expect, it, vi } from "vitest";
import { SAME_STOP_MS, watchStopSignals } from "./stop-signals";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const before = new Map(SIGNALS.map((name) => [name, process.listeners(name)]));

afterEach(() => {
  vi.useRealTimers();
  // Only the listeners this test added: the runner's own stay.
  for (const name of SIGNALS) {
    for (const listener of process.listeners(name)) {
      if (!before.get(name)?.includes(listener)) process.off(name, listener);
    }
  }
});

describe("the launcher's stop signals", () => {
  it("counts one Ctrl-C delivered twice (terminal, then npm) as one stop, a later one as 'now'", async () => {
    vi.useFakeTimers();
    const stop = watchStopSignals();
    const repeats: string[] = [];
    stop.onRepeat((signal) => repeats.push(signal));

    process.emit("SIGINT");
    process.emit("SIGINT");
    expect(await stop.first).toBe("SIGINT");
    expect(stop.signal.aborted).toBe(true);
    expect(repeats).toEqual([]);

    vi.advanceTimersByTime(SAME_STOP_MS);
    process.emit("SIGINT");
    expect(repeats).toEqual(["SIGINT"]);
  });
});
