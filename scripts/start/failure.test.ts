import { describe, expect, it } from "vitest";
import { EmbeddedPostgresError } from "@/db/embedded/errors";
import { ConfigError } from "@/server/config";
import { describeStartFailure, isDebug } from "./failure";
import { StartError } from "./start-error";

describe("describeStartFailure", () => {
  it("prints a foreseen failure's message alone, on one line", () => {
    for (const error of [
      new StartError("port 3000 on 127.0.0.1 is already in use by another program; set PORT"),
      new ConfigError("task-manager.yaml: invalid YAML: bad indentation"),
      new EmbeddedPostgresError("PostgreSQL exited during start-up: FATAL: x; see .data/pg.log"),
    ]) {
      expect(describeStartFailure(error, false)).toBe(`${error.message}\n`);
    }
  });

  it("prints anything else as one line that points to TM_DEBUG, without the stack", () => {
    const error = new Error("connect ECONNREFUSED 127.0.0.1:5432\n    more detail");
    const text = describeStartFailure(error, false);

    expect(text).toBe(
      "Start failed: connect ECONNREFUSED 127.0.0.1:5432 more detail (run with TM_DEBUG=1 for details)\n",
    );
  });

  it("finds a message in an AggregateError without one, and in a thrown non-error", () => {
    const aggregate = new AggregateError([new Error("connect ECONNREFUSED ::1:5432")]);
    expect(describeStartFailure(aggregate, false)).toContain(
      "Start failed: connect ECONNREFUSED ::1:5432 (",
    );
    expect(describeStartFailure("boom", false)).toContain("Start failed: boom (");
  });

  it("adds the stack and the cause in debug mode, after the same first line", () => {
    const error = new StartError("cannot create or write the data directory /x (EACCES); …", {
      cause: new Error("EACCES: permission denied, mkdir '/x'"),
    });
    const lines = describeStartFailure(error, true).split("\n");

    expect(lines[0]).toBe(error.message);
    expect(lines.some((line) => /^\s+at /.test(line))).toBe(true);
    expect(lines.join("\n")).toContain("permission denied, mkdir '/x'");
  });
});

describe("isDebug", () => {
  it("is on for TM_DEBUG=1 or any other value but empty and 0", () => {
    expect(isDebug({ TM_DEBUG: "1" })).toBe(true);
    expect(isDebug({ TM_DEBUG: "yes" })).toBe(true);
    expect(isDebug({ TM_DEBUG: "0" })).toBe(false);
    expect(isDebug({ TM_DEBUG: "" })).toBe(false);
    expect(isDebug({})).toBe(false);
  });
});
