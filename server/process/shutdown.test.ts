import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createShutdown, type SignalTarget } from "./shutdown";

function fakeProcess() {
  const emitter = new EventEmitter();
  const kills: NodeJS.Signals[] = [];
  const target: SignalTarget = {
    pid: 4242,
    prependListener: (signal, listener) => emitter.prependListener(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    listenerCount: (signal) => emitter.listenerCount(signal),
    kill: (_pid, signal) => kills.push(signal),
  };
  return { emitter, target, kills };
}

/** Resolves once every step has run and the signal was (or was not) raised again. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("the shutdown coordinator", () => {
  it("runs steps phase by phase, whatever order they registered in", async () => {
    const { emitter, target } = fakeProcess();
    const shutdown = createShutdown(target, () => {});
    const order: string[] = [];
    let releaseStreams = () => {};
    shutdown.onShutdown("connections", "hub", () => void order.push("hub"));
    shutdown.onShutdown("background", "scheduler", () => void order.push("scheduler"));
    shutdown.onShutdown(
      "streams",
      "feed",
      () =>
        new Promise<void>((resolve) => {
          releaseStreams = () => {
            order.push("feed");
            resolve();
          };
        }),
    );
    emitter.emit("SIGTERM", "SIGTERM");
    await settled();
    expect(order).toEqual([]);
    releaseStreams();
    await settled();
    expect(order).toEqual(["feed", "scheduler", "hub"]);
  });

  it("runs before other handlers, and leaves exiting to them when there are some", async () => {
    const { emitter, target, kills } = fakeProcess();
    const seen: string[] = [];
    emitter.on("SIGTERM", () => seen.push("next"));
    const shutdown = createShutdown(target, () => {});
    shutdown.onShutdown("streams", "feed", () => void seen.push("feed"));
    emitter.emit("SIGTERM", "SIGTERM");
    await settled();
    expect(seen).toEqual(["feed", "next"]);
    expect(kills).toEqual([]);
  });

  it("raises the signal again when nobody else handles it, once the steps are done", async () => {
    const { emitter, target, kills } = fakeProcess();
    const shutdown = createShutdown(target, () => {});
    shutdown.onShutdown("background", "scheduler", () => {});
    emitter.emit("SIGINT", "SIGINT");
    await settled();
    expect(kills).toEqual(["SIGINT"]);
    expect(emitter.listenerCount("SIGINT")).toBe(0);
  });

  it("reports a failing step and still runs the rest", async () => {
    const { target } = fakeProcess();
    const failures: string[] = [];
    const shutdown = createShutdown(target, (step) => failures.push(step));
    const ran: string[] = [];
    shutdown.onShutdown("streams", "broken", () => {
      throw new Error("no");
    });
    shutdown.onShutdown("connections", "hub", () => void ran.push("hub"));
    await shutdown.shutDown();
    expect(failures).toEqual(["broken"]);
    expect(ran).toEqual(["hub"]);
  });

  it("listens only while a step is registered", () => {
    const { emitter, target } = fakeProcess();
    const shutdown = createShutdown(target, () => {});
    const undo = shutdown.onShutdown("streams", "feed", () => {});
    expect(emitter.listenerCount("SIGTERM")).toBe(1);
    undo();
    expect(emitter.listenerCount("SIGTERM")).toBe(0);
  });
});
