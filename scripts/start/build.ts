import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { hashBuildInputs } from "./source-hash";
import { StartError } from "./start-error";

// Written by us after a successful build; Next knows nothing of it.
const HASH_FILE = "tm-source-hash";

export interface EnsureBuildParams {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  /** Aborting kills the build (the launcher was asked to stop). */
  signal: AbortSignal;
}

/**
 * Runs `next build` unless `.next` holds a build of exactly the current sources. Resolves
 * whether it built. The hash is taken before building, so a file edited during the build
 * makes the next start build again rather than serve stale code.
 */
export async function ensureBuild(params: EnsureBuildParams): Promise<boolean> {
  const distDir = path.join(params.repoRoot, ".next");
  const hash = await hashBuildInputs(params.repoRoot, params.env);
  const [buildId, builtHash] = await Promise.all([
    readOptional(path.join(distDir, "BUILD_ID")),
    readOptional(path.join(distDir, HASH_FILE)),
  ]);
  if (buildId !== undefined && builtHash?.trim() === hash) return false;

  process.stdout.write(
    buildId === undefined ? "No build yet: building.\n" : "Sources changed: rebuilding.\n",
  );
  const child = spawn(path.join(params.repoRoot, "node_modules", ".bin", "next"), ["build"], {
    cwd: params.repoRoot,
    env: params.env,
    stdio: ["ignore", "inherit", "inherit"],
    signal: params.signal,
  });
  // Rejects on 'error': next missing, or an AbortError when the launcher was told to stop.
  const [code, exitSignal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new StartError(`next build failed (${exitSignal ?? `exit code ${code}`}); see above`);
  }
  await writeFile(path.join(distDir, HASH_FILE), `${hash}\n`);
  return true;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
