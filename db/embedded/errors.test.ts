import { describe, expect, it } from "vitest";
import { keyLogLine } from "./errors";

describe("keyLogLine", () => {
  it("picks PostgreSQL's last FATAL, without its timestamp", () => {
    const tail = [
      "2026-01-01 12:00:00.000 UTC [42] LOG:  starting PostgreSQL 18.4",
      '2026-01-01 12:00:00.001 UTC [42] FATAL:  data directory "/x" has invalid permissions',
      "2026-01-01 12:00:00.002 UTC [42] LOG:  database system is shut down",
    ].join("\n");
    expect(keyLogLine(tail)).toBe('FATAL: data directory "/x" has invalid permissions');
  });

  it("picks initdb's own error line", () => {
    const tail = 'initdb: error: directory "/x" exists but is not empty\ninitdb: hint: remove it';
    expect(keyLogLine(tail)).toBe('initdb: error: directory "/x" exists but is not empty');
  });

  it("falls back to the last line", () => {
    expect(keyLogLine("one\ntwo\n")).toBe("two");
    expect(keyLogLine("")).toBe("no output");
  });
});
