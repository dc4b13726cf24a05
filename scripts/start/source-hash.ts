import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * What `next build` compiles, relative to the repository root. Deliberately not .next,
 * .data, .test-data, tests or e2e: a hash that changes when tests run or a database writes
 * would rebuild on every start.
 */
export const BUILD_INPUTS = [
  "app",
  "components",
  "server",
  "db",
  "lib",
  "sdk",
  "proxy.ts",
  "instrumentation.ts",
  "next.config.ts",
  "next.config.mjs",
  "next.config.js",
  "postcss.config.mjs",
  "postcss.config.js",
  "tailwind.config.ts",
  "package-lock.json",
  "tsconfig.json",
];

const TEST_FILE = /\.(?:test|spec)\.[cm]?[jt]sx?$/;

/**
 * A hash of every build input's path and content, plus the NEXT_PUBLIC_ variables Next
 * inlines into the client bundle. Missing inputs (no sdk/ yet) simply do not count.
 */
export async function hashBuildInputs(repoRoot: string, env = process.env): Promise<string> {
  const files: string[] = [];
  for (const input of BUILD_INPUTS) files.push(...(await listFiles(repoRoot, input)));
  files.sort();

  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(repoRoot, file)));
    hash.update("\0");
  }
  for (const name of Object.keys(env)
    .filter((key) => key.startsWith("NEXT_PUBLIC_"))
    .sort()) {
    hash.update(`env:${name}=${env[name]}\0`);
  }
  return hash.digest("hex");
}

/** Files under `relative` (itself, if a file), as forward-slash paths: stable across OSes. */
async function listFiles(repoRoot: string, relative: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(path.join(repoRoot, relative), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return [relative];
    if (code === "ENOENT") return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    // Dotfiles are editor and OS litter (.DS_Store, swap files), never build input.
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const child = `${relative}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(repoRoot, child)));
    else if (entry.isFile() && !TEST_FILE.test(entry.name)) files.push(child);
  }
  return files;
}
