import { afterEach, expect, it } from "vitest";
import { routeConsoleToLog } from "./console";
import { tapLogLines } from "./logger";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

it("turns Next's console.error(error) into a JSON line without the statement or its parameters", () => {
  const lines: string[] = [];
  cleanups.push(tapLogLines((line) => lines.push(line)));
  cleanups.push(routeConsoleToLog());
  const tokenHash = "\\x9f86d081884c7d659a2feaa0c55ad015";
  const error = new Error(
    `Failed query: select * from "sessions" where "token_hash" = $1\nparams: ${tokenHash}`,
    {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
        code: "ECONNREFUSED",
      }),
    },
  );
  console.error(error);
  console.warn("a warning about %s", "something");

  expect(lines).toHaveLength(2);
  const [first, second] = lines.map((line) => JSON.parse(line));
  expect(first).toMatchObject({
    level: "error",
    component: "next",
    err: { message: "query failed" },
  });
  expect(lines[0]).not.toMatch(/select|token_hash|params/);
  expect(lines[0]).not.toContain(tokenHash);
  expect(second).toMatchObject({ level: "warn", msg: "a warning about something" });
});
