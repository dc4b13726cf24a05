import { describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { tapLogLines } from "@/server/log/logger";
import { MIN_PASS_GAP_MS, runPass } from "./pass";
import type { Sweep } from "./types";

// runPass hands `db` to the sweeps only; these sweeps never touch it.
const db = {} as Database;
const params = { instanceId: "test", trigger: "loop" as const, intervalS: 60 };

let sweeps = 0;
const due = (nextDueAt: Date | null): Sweep => ({
  name: `sweep-${++sweeps}`,
  run: async () => ({ nextDueAt }),
});

describe("runPass", () => {
  it("plans the next pass at the interval when no sweep has anything due", async () => {
    const report = await runPass(db, [due(null)], params);
    expect(report.nextPassAt.getTime()).toBe(report.finishedAt.getTime() + 60_000);
  });

  it("plans it at the earliest due time of all sweeps", async () => {
    const soon = new Date(Date.now() + 5_000);
    const later = new Date(Date.now() + 10_000);
    const report = await runPass(db, [due(later), due(soon), due(null)], params);
    expect(report.nextPassAt).toEqual(soon);
  });

  it("never plans it sooner than the minimum gap, even for a due time in the past", async () => {
    const report = await runPass(db, [due(new Date(0))], params);
    expect(report.nextPassAt.getTime()).toBe(report.finishedAt.getTime() + MIN_PASS_GAP_MS);
  });

  it("ignores an invalid due time, and says so", async () => {
    const logged: string[] = [];
    const untap = tapLogLines((line) => logged.push(line));
    const report = await runPass(db, [due(new Date(Number.NaN))], params);
    untap();
    expect(report.results[0]).toMatchObject({ ok: true, nextDueAt: null });
    expect(report.nextPassAt.getTime()).toBe(report.finishedAt.getTime() + 60_000);
    expect(logged.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: "error", msg: "invalid nextDueAt" }),
    );
  });
});
