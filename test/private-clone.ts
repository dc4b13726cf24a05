import { execFile } from "node:child_process";
import { copyFile, cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { withBuildLocked } from "./server";

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface PrivateClone {
  /** The folder the clone is in: 0700, as `mktemp -d` makes it. */
  parent: string;
  /** The clone itself. */
  dir: string;
  remove(): Promise<void>;
}

/**
 * This checkout as `git clone` and `npm install` would leave it in a folder other users cannot
 * enter: the working tree's files (tracked and new, not ignored, so uncommitted changes are
 * tested too), node_modules hard-linked (instant, and reachable only through the clone's path
 * like a real install), and a copy of this checkout's current build, if there is one, so the
 * clone's start need not build again (the launcher rebuilds if it does not match).
 */
export async function makePrivateClone(): Promise<PrivateClone> {
  const parent = await mkdtemp(path.join(os.tmpdir(), "tm-private-"));
  const dir = path.join(parent, "task-manager");
  const remove = () => rm(parent, { recursive: true, force: true });
  try {
    const { stdout } = await run(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
    );
    for (const file of stdout.split("\0").filter(Boolean)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await copyFile(path.join(repoRoot, file), path.join(dir, file)).catch((error) => {
        // Deleted in the working tree but not yet in git: not part of the clone either.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      });
    }
    await run("cp", ["-al", path.join(repoRoot, "node_modules"), path.join(dir, "node_modules")]);
    await withBuildLocked(() =>
      cp(path.join(repoRoot, ".next"), path.join(dir, ".next"), {
        recursive: true,
        // Next's build cache: only `next build` reads it.
        filter: (source) => source !== path.join(repoRoot, ".next", "cache"),
      }).catch((error) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }),
    );
  } catch (error) {
    await remove();
    throw error;
  }
  return { parent, dir, remove };
}
