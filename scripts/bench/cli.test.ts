import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readSettings } from "./cli";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("bench options", () => {
  it("sizes a full run and a --quick one", () => {
    const full = readSettings([]);
    expect([full.tasks, full.workers, full.alertRounds, full.subscribers]).toEqual([
      20_000, 4, 20, 5_000,
    ]);
    expect([full.concurrency(), full.claimBatch(), full.submitChunk()]).toEqual([500, 500, 5_000]);
    expect([full.signalRounds(), full.schedules(), full.scheduleSeconds()]).toEqual([
      100, 1_000, 60,
    ]);
    expect([full.claimRate(), full.logRate(), full.claimOnComplete, full.soak]).toEqual([
      100,
      60_000,
      true,
      false,
    ]);
    const quick = readSettings(["--quick"]);
    expect([quick.tasks, quick.alertRounds, quick.subscribers]).toEqual([5_000, 10, 1_000]);
    expect([quick.signalRounds(), quick.scheduleSeconds()]).toEqual([30, 10]);
  });

  it("fails a bad option every run reads before anything starts", () => {
    expect(() => readSettings(["--tasks", "0"])).toThrow("--tasks: expected a positive integer");
    expect(() => readSettings(["--workers", "1.5"])).toThrow("--workers: expected");
    expect(() => readSettings(["--nonsense"])).toThrow(/nonsense/);
  });

  it("checks a group's own option only when that group reads it", () => {
    const settings = readSettings(["--claim-rate", "x", "--signal-rounds", "20"]);
    expect(settings.signalRounds()).toBe(20);
    expect(() => settings.claimRate()).toThrow("--claim-rate: expected a positive integer");
  });

  it("names every group when --only names none, before starting anything", async () => {
    const run = promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/bench/index.ts", "--only", "nonsense"],
      { cwd: repoRoot },
    );
    const error = await run.then(
      () => undefined,
      (failure: { code: number; stdout: string; stderr: string }) => failure,
    );
    expect(error?.code).toBe(1);
    expect(error?.stdout).toBe("");
    expect(error?.stderr.split("\n")[0]).toBe(
      'Error: --only: expected "latency", "ui", "runs", "overview", "outage", "schedules", "logs", "task-log-ui", "signals", "fanout", "history", "throughput" or "scheduling"',
    );
  });
});
