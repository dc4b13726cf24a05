import { afterEach, expect, it } from "vitest";
import { createFailureLog } from "./failure-log";
import { log, tapLogLines } from "./logger";

let untap: () => void = () => {};
afterEach(() => untap());

it("logs the first failure, then at most one line a minute, then the recovery", () => {
  const lines: Record<string, unknown>[] = [];
  untap = tapLogLines((line) => lines.push(JSON.parse(line)));
  let now = 0;
  const failures = createFailureLog(log, "the sweep", { now: () => now });
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
    code: "ECONNREFUSED",
  });
  for (; now < 120_000; now += 250) failures.failed(refused);
  failures.succeeded();
  failures.succeeded();

  expect(lines.map((line) => [line.level, line.msg])).toEqual([
    ["warn", "the sweep failed: the database is unavailable"],
    ["warn", "the sweep still failing: the database is unavailable"],
    ["info", "the sweep works again"],
  ]);
  // An outage is no bug: no stack.
  expect(JSON.stringify(lines)).not.toContain('"stack"');
});

it("keeps the stack of an unexpected error, but never a statement's parameters", () => {
  const lines: string[] = [];
  untap = tapLogLines((line) => lines.push(line));
  const failures = createFailureLog(log, "the sweep");
  const drizzle = new Error('Failed query: select * from "tasks" where id = $1\nparams: 42a7', {
    cause: Object.assign(new Error('relation "tasks" does not exist'), { code: "42P01" }),
  });
  failures.failed(drizzle);
  expect(lines).toHaveLength(1);
  const line = lines[0] ?? "";
  expect(JSON.parse(line)).toMatchObject({ level: "error", err: { message: "query failed" } });
  expect(line).toContain('"stack"');
  expect(line).toContain("42P01");
  expect(line).not.toMatch(/select|params|42a7/);
});
