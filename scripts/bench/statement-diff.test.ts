import { afterEach, describe, expect, it, vi } from "vitest";
import { addRelationDelta, logStatementComparison, type StatementStats } from "./statement-diff";

const stats = (over: Partial<StatementStats>): StatementStats => ({
  query: "select 1",
  calls: 1,
  totalMs: 0,
  rows: 0,
  sharedHit: 0,
  sharedRead: 0,
  sharedDirtied: 0,
  sharedWritten: 0,
  walFpi: 0,
  walBytes: 0,
  ...over,
});

function printed(run: () => void): string[] {
  const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  run();
  return write.mock.calls.map(([text]) => String(text).trimEnd());
}

afterEach(() => vi.restoreAllMocks());

describe("addRelationDelta", () => {
  it("adds each relation's blocks after minus before, over several drains", () => {
    const into = new Map<string, StatementStats>();
    const relation = (read: number, hit: number) =>
      new Map([
        ["rel:table tasks", stats({ query: "table tasks", sharedRead: read, sharedHit: hit })],
      ]);
    addRelationDelta(into, relation(10, 100), relation(15, 160));
    addRelationDelta(into, relation(15, 160), relation(18, 200));
    expect(into.get("rel:table tasks")).toMatchObject({ sharedRead: 8, sharedHit: 100 });
  });
});

describe("logStatementComparison", () => {
  it("ranks statements by the dearer side per task, shows a statement one side lacks as -, and lists relations that read", () => {
    const empty = new Map([
      ["1", stats({ query: "update tasks", calls: 10, totalMs: 100, sharedHit: 1000 })],
      ["rel:table tasks", stats({ query: "table tasks", sharedRead: 0, sharedHit: 50 })],
    ]);
    const history = new Map([
      ["1", stats({ query: "update tasks", calls: 10, totalMs: 150, sharedRead: 20 })],
      ["2", stats({ query: "select   readied", calls: 5, totalMs: 400 })],
      ["rel:table tasks", stats({ query: "table tasks", sharedRead: 7, sharedHit: 60 })],
    ]);
    const lines = printed(() =>
      logStatementComparison(["empty", "history"], [empty, history], [1000, 1000]),
    );
    expect(lines[0]).toContain("all statements 100 ms (100 µs/task), 10 calls");
    expect(lines[0]).toContain("| 550 ms (550 µs/task), 15 calls, per task 0.02 read");
    // The statement only history ran comes first: it cost more per task there.
    expect(lines[1]).toMatch(/^# pg empty \| history: - \| 400 ms .*: select readied$/);
    expect(lines[2]).toContain("10.00 ms mean; per call 100.0 hit 0.0 read");
    expect(lines[2]).toContain("15.00 ms mean; per call 0.0 hit 2.0 read");
    expect(lines[3]).toBe("# blocks empty | history: 0 read 50 hit | 7 read 60 hit: table tasks");
  });
});
