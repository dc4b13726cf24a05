import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Scratch space inside the repo, so a scratch schema file resolves drizzle-orm from node_modules.
mkdirSync(".test-data", { recursive: true });
const scratch = mkdtempSync(path.resolve(".test-data/checks-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runScript(script: string, args: string[]) {
  return spawnSync("node_modules/.bin/tsx", [script, ...args], { encoding: "utf8" });
}

describe("schema drift check", () => {
  it("passes on the committed schema and migrations", () => {
    const result = runScript("scripts/check-drift.ts", []);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("fails when the schema has a table the migrations lack", () => {
    // The repository's layout, so the schema's relative imports (lib/tasks/states.ts) resolve.
    const schemaDir = path.join(scratch, "db", "schema");
    cpSync("db/schema", schemaDir, { recursive: true });
    cpSync("lib/tasks/states.ts", path.join(scratch, "lib", "tasks", "states.ts"));
    writeFileSync(
      path.join(schemaDir, "drift.ts"),
      `import { pgTable, text } from "drizzle-orm/pg-core";\nexport const drift = pgTable("drift", { id: text("id") });\n`,
    );
    const index = path.join(schemaDir, "index.ts");
    writeFileSync(index, `${readFileSync(index, "utf8")}export * from "./drift";\n`);
    const result = runScript("scripts/check-drift.ts", ["--schema", index]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Schema drift/);
  });
});

describe("focused test check", () => {
  it("fails on a focused test and names the file and line", () => {
    const dir = path.join(scratch, "focused");
    mkdirSync(dir, { recursive: true });
    const focus = ["it", "only"].join(".");
    writeFileSync(
      path.join(dir, "a.test.ts"),
      `import { it } from "vitest";\n${focus}("x", () => {});\n`,
    );
    const result = runScript("scripts/check-focused-tests.ts", [dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("a.test.ts:2");
  });

  it("passes on the project's own tests", () => {
    expect(runScript("scripts/check-focused-tests.ts", ["."]).status).toBe(0);
  });
});
