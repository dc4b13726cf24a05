import { describe, expect, it } from "vitest";
import type { LogLine } from "@/server/logs/read";
import { filterLines, lineText } from "./format";

const line = (seq: number, attempt: number, level: LogLine["level"], message: string): LogLine => ({
  seq,
  attempt,
  level,
  message,
  fields: null,
  at: "2030-01-02T03:04:05.678Z",
});

describe("filterLines", () => {
  const lines = [
    line(1, 1, "debug", "Connecting"),
    line(2, 1, "error", "connection refused"),
    line(3, 2, "info", "connected"),
    line(4, 2, "warn", "slow"),
  ];

  it("keeps one attempt's lines at a level and above that contain the text", () => {
    const seqs = (params: Parameters<typeof filterLines>[1]) =>
      filterLines(lines, params).map((kept) => kept.seq);
    expect(seqs({ attempt: 1, minLevel: "debug", text: "" })).toEqual([1, 2]);
    expect(seqs({ attempt: null, minLevel: "warn", text: "" })).toEqual([2, 4]);
    expect(seqs({ attempt: null, minLevel: "debug", text: " CONNECT" })).toEqual([1, 2, 3]);
    expect(seqs({ attempt: 2, minLevel: "info", text: "conn" })).toEqual([3]);
  });
});

describe("lineText", () => {
  it("writes a line as plain text, with its fields as JSON", () => {
    expect(lineText({ ...line(1, 1, "warn", "slow"), fields: { ms: 900 } })).toBe(
      '2030-01-02T03:04:05.678Z WARN  slow {"ms":900}',
    );
  });
});
