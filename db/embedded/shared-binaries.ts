import { createHash, randomBytes } from "node:crypto";
import {
  chmod,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { isProcessRunning } from "../../lib/process/pids";
import { findPostgresBinaries, type PostgresBinaries } from "./binaries";
import { EmbeddedPostgresError } from "./errors";
import type { RunAs } from "./os-user";
import { canReach } from "./reach";

/**
 * Where copies of PostgreSQL's programs go when the `postgres` user cannot reach
 * node_modules: root-owned and writable by root alone (no symlink races, unlike /tmp), and
 * meant for files that can be made again.
 */
export const SHARED_BINARIES_ROOT = "/var/cache/task-manager";

/** The parts of the package's `native/` folder that PostgreSQL runs from. */
const TREE = ["bin", "lib", "share"];
/** Written last into a finished copy: the fingerprint of what was copied. */
const MARKER = ".fingerprint";

/**
 * PostgreSQL's programs at a path `runAs` can execute: the package's own, or else a copy of
 * its `native/` tree made once per version under `root`. A symlink would not do: PostgreSQL
 * finds its lib and share folders from the real path of its own executable.
 */
export async function postgresBinariesFor(
  runAs: RunAs,
  root = SHARED_BINARIES_ROOT,
): Promise<PostgresBinaries> {
  const binaries = await findPostgresBinaries();
  if ((await canReach(runAs, binaries.postgres)) && (await canReach(runAs, binaries.initdb))) {
    return binaries;
  }
  const copy = await ensureSharedCopy(path.dirname(path.dirname(binaries.postgres)), root);
  const shared = {
    postgres: path.join(copy, "bin", "postgres"),
    initdb: path.join(copy, "bin", "initdb"),
  };
  if (!(await canReach(runAs, shared.postgres))) {
    throw new EmbeddedPostgresError(
      `the "postgres" user that runs PostgreSQL cannot reach ${copy} either; let other users enter the folders above it`,
    );
  }
  return shared;
}

/**
 * A verified copy of `nativeDir`'s tree under `root`, world-readable: reused when one with
 * the same fingerprint is intact, else made in a staging folder and renamed into place, so
 * that a launcher killed mid-copy, or two copying at once, never leave a partial copy in use.
 */
export async function ensureSharedCopy(nativeDir: string, root: string): Promise<string> {
  try {
    await ensureRootOnlyFolder(root);
    const fingerprint = await fingerprintTree(nativeDir);
    const copy = path.join(
      root,
      `postgres-${await packageVersion(nativeDir)}-${fingerprint.slice(0, 16)}`,
    );
    if (await isIntactCopy(copy, fingerprint)) return copy;
    await removeLeftovers(root);

    const staging = `${copy}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      for (const part of TREE) {
        await cp(path.join(nativeDir, part), path.join(staging, part), {
          recursive: true,
          verbatimSymlinks: true,
        });
      }
      await makeWorldReadable(staging);
      if ((await fingerprintTree(staging)) !== fingerprint) {
        throw new Error(`the copy of ${nativeDir} in ${staging} differs from it`);
      }
      await writeFile(path.join(staging, MARKER), `${fingerprint}\n`, { mode: 0o644 });
      if (!(await moveIntoPlace(staging, copy, fingerprint))) {
        // Another launcher finished the same copy first: use theirs.
        await rm(staging, { recursive: true, force: true });
      }
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    return copy;
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new EmbeddedPostgresError(
      `could not copy PostgreSQL's programs to ${root}, where the "postgres" user could run them (${code ?? (error as Error).message}); make ${root} writable, or put the project in a folder other users can enter`,
      { cause: error },
    );
  }
}

/**
 * Renames the finished `staging` to `copy`; false when an intact copy got there first. A
 * damaged one (a file removed or changed) is moved aside only now that its replacement is
 * ready, so no launcher ever finds the name empty or half-filled.
 */
async function moveIntoPlace(staging: string, copy: string, fingerprint: string) {
  try {
    await rename(staging, copy);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
  if (await isIntactCopy(copy, fingerprint)) return false;
  const damaged = `${staging}-damaged`;
  await rename(copy, damaged);
  await rename(staging, copy);
  await rm(damaged, { recursive: true, force: true });
  return true;
}

async function ensureRootOnlyFolder(root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const stats = await lstat(root);
  if (!stats.isDirectory() || stats.uid !== process.getuid?.() || (stats.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `${root} must be a folder that only its owner (${process.getuid?.()}) can write; remove it and start again`,
    );
  }
  // Under a umask of 077 mkdir made it 0700, and the postgres user could not pass.
  if ((stats.mode & 0o555) !== 0o555) await chmod(root, 0o755);
}

async function isIntactCopy(copy: string, fingerprint: string): Promise<boolean> {
  const marker = await readFile(path.join(copy, MARKER), "utf8").catch(ignoreMissing);
  if (marker?.trim() !== fingerprint) return false;
  const actual = await fingerprintTree(copy).catch(ignoreMissing);
  return actual === fingerprint;
}

/**
 * Names, types, sizes, exec bits and symlink targets of the whole tree, and the contents of
 * `bin/`: what tells versions apart and catches a damaged copy, cheaply enough for every
 * start (the libraries alone are ~50 MB).
 */
async function fingerprintTree(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const part of TREE) await walk(part);
  return hash.digest("hex");

  async function walk(relative: string): Promise<void> {
    const full = path.join(dir, relative);
    const stats = await lstat(full);
    if (stats.isSymbolicLink()) {
      hash.update(`l ${relative} ${await readlink(full)}\0`);
    } else if (stats.isDirectory()) {
      hash.update(`d ${relative}\0`);
      for (const name of (await readdir(full)).sort()) await walk(`${relative}/${name}`);
    } else {
      hash.update(`f ${relative} ${stats.size} ${stats.mode & 0o100 ? "x" : "-"}\0`);
      if (relative.startsWith("bin/")) hash.update(await readFile(full));
    }
  }
}

/** Folders 0755, files 0644 or 0755, whatever the umask and the package's own modes. */
async function makeWorldReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWorldReadable(full);
    else if (entry.isFile()) await chmod(full, (await lstat(full)).mode & 0o100 ? 0o755 : 0o644);
  }
}

async function packageVersion(nativeDir: string): Promise<string> {
  const text = await readFile(path.join(nativeDir, "..", "package.json"), "utf8");
  const version: unknown = JSON.parse(text).version;
  return typeof version === "string" ? version.replace(/[^\w.-]/g, "_") : "unknown";
}

/** Staging folders of launchers that died mid-copy. */
async function removeLeftovers(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    const owner = Number(/\.tmp-(\d+)-/.exec(name)?.[1]);
    if (owner && owner !== process.pid && !isProcessRunning(owner)) {
      await rm(path.join(root, name), { recursive: true, force: true });
    }
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw error;
}
