/**
 * Fails when a test is focused (`.only`) or skipped without a reason in the tree: a focused test
 * silently turns a suite into one test. vitest (allowOnly: false) and Playwright (forbidOnly)
 * refuse `.only` at run time too; this check also catches it in files a run did not reach.
 *
 * Usage: tsx scripts/check-focused-tests.ts [root]
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const FOCUSED = /\b(?:it|test|describe)(?:\.\w+)*\.only\s*\(/;
const SKIPPED_DIRS = new Set(["node_modules", ".next", ".data", ".test-data", ".git"]);
const TEST_FILE = /\.(?:test|spec)\.tsx?$/;

function* testFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* testFiles(path.join(dir, entry.name));
    } else if (TEST_FILE.test(entry.name)) {
      yield path.join(dir, entry.name);
    }
  }
}

const root = path.resolve(process.argv[2] ?? ".");
const findings: string[] = [];
for (const file of testFiles(root)) {
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (FOCUSED.test(line))
        findings.push(`${path.relative(root, file)}:${index + 1}: ${line.trim()}`);
    });
}
if (findings.length > 0) {
  console.error(`Focused tests found (remove .only):\n${findings.join("\n")}`);
  process.exit(1);
}
