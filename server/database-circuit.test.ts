import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createDatabaseCircuit } from "@/server/database-circuit";
import { DatabaseUnavailableError } from "@/server/errors";
import { log, tapLogLines } from "@/server/log/logger";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
  code: "ECONNREFUSED",
});

let lines: string[] = [];
let untap: () => void = () => {};
beforeEach(() => {
  vi.useFakeTimers();
  untap = tapLogLines((line) => lines.push(line));
});
afterEach(() => {
  untap();
  lines = [];
  vi.useRealTimers();
});

it("opens on an unreachable database, answers at once, and closes when a probe succeeds", async () => {
  let reachable = false;
  let probes = 0;
  const circuit = createDatabaseCircuit({
    probe: async () => {
      probes += 1;
      if (!reachable) throw refused;
    },
    log,
    probeIntervalMs: 250,
  });
  try {
    circuit.report(new Error("syntax error")); // a bug, not an outage
    expect(circuit.isDown()).toBe(false);

    circuit.report(new Error("query failed", { cause: refused }));
    expect(circuit.isDown()).toBe(true);
    expect(() => circuit.assertUp()).toThrow(DatabaseUnavailableError);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(probes).toBe(4);
    expect(circuit.isDown()).toBe(true);

    reachable = true;
    await vi.advanceTimersByTimeAsync(250);
    expect(circuit.isDown()).toBe(false);
    expect(() => circuit.assertUp()).not.toThrow();
    // Once down, once up: not a line per probe.
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([
      "the database is unreachable: answering 503 until a probe succeeds",
      "the database is reachable again",
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probes).toBe(5);
  } finally {
    circuit.close();
  }
});

it("waits for a hanging probe instead of piling up new ones", async () => {
  let started = 0;
  let finish: () => void = () => {};
  const circuit = createDatabaseCircuit({
    probe: () => {
      started += 1;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    log,
    probeIntervalMs: 250,
  });
  try {
    circuit.report(refused);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(1);
    expect(circuit.isDown()).toBe(true);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(circuit.isDown()).toBe(false);
  } finally {
    circuit.close();
  }
});
