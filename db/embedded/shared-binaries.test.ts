import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { findPostgresBinaries } from "./binaries";
import { ensureSharedCopy } from "./shared-binaries";

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const roots: string[] = [];

afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

async function newRoot(): Promise<string> {
  const parent = path.join(repoRoot, ".test-data");
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(path.join(parent, "shared-binaries-"));
  roots.push(root);
  return root;
}

async function nativeDir(): Promise<string> {
  return path.dirname(path.dirname((await findPostgresBinaries()).postgres));
}

describe("ensureSharedCopy", () => {
  it("makes a world-readable copy PostgreSQL runs from, and reuses it", async () => {
    const root = await newRoot();
    const copy = await ensureSharedCopy(await nativeDir(), root);

    expect(path.dirname(copy)).toBe(root);
    // The libraries and share files are found from the copy's own path.
    const { stdout } = await run(path.join(copy, "bin", "postgres"), ["--version"]);
    expect(stdout).toMatch(/^postgres \(PostgreSQL\) \d+/);
    expect((await stat(root)).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(copy, "bin", "postgres"))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(copy, "share"))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(copy, "share", "postgresql", "postgres.bki"))).mode & 0o777).toBe(
      0o644,
    );

    const { ino } = await stat(path.join(copy, "bin", "postgres"));
    expect(await ensureSharedCopy(await nativeDir(), root)).toBe(copy);
    expect((await stat(path.join(copy, "bin", "postgres"))).ino).toBe(ino);
  });

  it("replaces a damaged copy", async () => {
    const root = await newRoot();
    const copy = await ensureSharedCopy(await nativeDir(), root);
    const bki = path.join(copy, "share", "postgresql", "postgres.bki");
    await rm(bki);

    expect(await ensureSharedCopy(await nativeDir(), root)).toBe(copy);
    expect((await stat(bki)).isFile()).toBe(true);
  });

  it("gives two launchers copying at once the same finished copy", async () => {
    const root = await newRoot();
    const [a, b] = await Promise.all([
      ensureSharedCopy(await nativeDir(), root),
      ensureSharedCopy(await nativeDir(), root),
    ]);

    expect(a).toBe(b);
    expect(await readdir(root)).toEqual([path.basename(a)]);
  });
});
