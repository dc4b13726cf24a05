import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PostgresBinaries } from "./binaries";
import type { LogSink } from "./log";
import type { RunAs } from "./os-user";

export interface InitClusterOptions {
  binaries: PostgresBinaries;
  /** The cluster's final location; must not exist yet. */
  pgDir: string;
  user: string;
  password: string;
  runAs: RunAs;
  log: LogSink;
}

/** Whether `pgDir` holds a cluster that initdb finished creating. */
export function clusterExists(pgDir: string): boolean {
  return existsSync(path.join(pgDir, "PG_VERSION"));
}

/**
 * Creates a cluster with password authentication for `user`. initdb writes into a staging
 * directory renamed into place only once it succeeded, so a start interrupted mid-initdb
 * (even by kill -9) never leaves a half-made cluster that a later start would try to run.
 */
export async function initCluster(options: InitClusterOptions): Promise<void> {
  const { binaries, pgDir, runAs, log } = options;
  const staging = `${pgDir}.init`;
  const passwordFile = path.join(path.dirname(pgDir), `.pg-password-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if ("uid" in runAs) {
      await chown(staging, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    await runInitdb(binaries.initdb, [
      `--pgdata=${staging}`,
      "--auth=scram-sha-256",
      `--username=${options.user}`,
      `--pwfile=${passwordFile}`,
      "--encoding=UTF8",
      // C collation: identical ordering on every machine, and what the migrations assume.
      "--no-locale",
      "--no-instructions",
    ]);
  } finally {
    await rm(passwordFile, { force: true });
  }
  await rename(staging, pgDir);

  function runInitdb(file: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        ...runAs,
        // The postgres user may not be allowed into the launcher's working directory.
        cwd: path.dirname(pgDir),
        env: { ...process.env, LC_MESSAGES: "C" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (chunk: Buffer) => log.write(chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => log.write(chunk.toString("utf8")));
      child.once("error", reject);
      child.once("close", (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`initdb failed (${signal ?? `exit code ${code}`}):\n${log.tail()}`));
      });
    });
  }
}
