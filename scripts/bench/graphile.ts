import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "./setup";
import { log } from "./stats";

/**
 * The shared peer harness (outside this repository; installed there, never committed).
 * TM_BENCH_PEERS_DIR names it for a checkout that is not beside it (a git worktree).
 */
export const PEERS_DIR =
  process.env.TM_BENCH_PEERS_DIR ?? path.resolve(repoRoot, "..", "shared", "bench", "peers");

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${stdout}${stderr}`));
    });
  });
}

/** Installs the harness's pinned dependencies once. */
export async function ensurePeerHarness(): Promise<void> {
  if (existsSync(path.join(PEERS_DIR, "node_modules", "graphile-worker"))) return;
  log(`installing the peer harness in ${PEERS_DIR} (npm install, once)`);
  await run("npm", ["install", "--no-fund", "--no-audit"], { cwd: PEERS_DIR });
}

/**
 * graphile-worker's throughput on the given server (the harness makes its own database
 * there), through the harness's own script: its last line is the figure.
 */
export async function graphileThroughput(params: {
  adminUrl: string;
  jobs: number;
  mode: "default" | "tuned";
  concurrency: number;
}): Promise<number> {
  const stdout = await run(process.execPath, ["bench/graphile-throughput.mjs"], {
    cwd: PEERS_DIR,
    env: {
      ...process.env,
      DATABASE_URL: params.adminUrl,
      // Else the harness makes a scratch folder inside the shared tree.
      TMPDIR: process.env.TMPDIR || tmpdir(),
      JOBS: String(params.jobs),
      MODE: params.mode,
      CONCURRENCY: String(params.concurrency),
    },
  });
  for (const line of stdout.split("\n"))
    if (line.startsWith("# ")) log(`graphile ${params.mode}: ${line.slice(2)}`);
  const match = new RegExp(`^graphile_worker_${params.mode}_c\\d+: ([\\d.]+) jobs/s$`, "m").exec(
    stdout,
  );
  if (!match?.[1]) throw new Error(`no graphile_worker_${params.mode} figure in:\n${stdout}`);
  return Number(match[1]);
}
