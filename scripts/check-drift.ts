/**
 * Fails when the drizzle schema and the committed migrations disagree (schema drift): it runs
 * `drizzle-kit generate` into a scratch copy of the migrations and fails if that would write a
 * new migration. Run by `npm test` before the integration tests.
 *
 * Usage: tsx scripts/check-drift.ts [--schema db/schema/index.ts] [--migrations db/migrations]
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    schema: { type: "string", default: "db/schema/index.ts" },
    migrations: { type: "string", default: "db/migrations" },
  },
});

// Scratch inside the repo (git-ignored) so the schema's imports resolve from node_modules.
const scratchRoot = path.resolve(".test-data");
mkdirSync(scratchRoot, { recursive: true });
const scratch = mkdtempSync(path.join(scratchRoot, "drift-"));
try {
  cpSync(values.migrations, scratch, { recursive: true });
  const before = new Set(readdirSync(scratch));
  // drizzle-kit mangles absolute paths ("./" + path) and then exits 0 on the error it causes,
  // so it gets relative paths, and success is read from its output rather than its exit code.
  const relative = (file: string) => path.relative(process.cwd(), path.resolve(file));
  const result = spawnSync(
    "node_modules/.bin/drizzle-kit",
    [
      "generate",
      "--dialect",
      "postgresql",
      "--schema",
      relative(values.schema),
      "--out",
      relative(scratch),
    ],
    { encoding: "utf8" },
  );
  const added = readdirSync(scratch).filter((name) => !before.has(name));
  const unchanged = /No schema changes/.test(result.stdout);
  if (result.status !== 0 || (!unchanged && added.length === 0)) {
    console.error(`drizzle-kit generate failed:\n${result.stdout}${result.stderr}`);
    process.exit(1);
  }
  if (added.length > 0) {
    console.error(
      `Schema drift: ${values.schema} differs from the migrations in ${values.migrations}.\n` +
        `drizzle-kit would write: ${added.join(", ")}. Run \`npm run db:generate\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log("schema and migrations agree");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
