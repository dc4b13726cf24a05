import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PostgresBinaries } from "./binaries";
import { type ClusterDirAccess, pointAt } from "./cluster-dir";
import { cannotRun, EmbeddedPostgresError, keyLogLine } from "./errors";
import { type LogSink, seeLog } from "./log";
import type { RunAs } from "./os-user";

export interface InitClusterOptions {
  binaries: PostgresBinaries;
  /** The cluster's final location; must not exist yet. */
  pgDir: string;
  user: string;
  password: string;
  runAs: RunAs;
  access: ClusterDirAccess;
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
  const password = await open(passwordFile, "r");
  try {
    if ("uid" in runAs) {
      await chown(staging, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    const { cwd, dataDirArgument } = pointAt(staging, options.access);
    await runInitdb(binaries.initdb, cwd, [
      `--pgdata=${dataDirArgument}`,
      "--auth=scram-sha-256",
      `--username=${options.user}`,
      // The file is the postgres user's, so it may open it again through the descriptor we
      // hand down even where it cannot reach the file's folder; and it must stay outside
      // the data directory, which initdb wants empty.
      `--pwfile=${options.access === "path" ? passwordFile : "/proc/self/fd/3"}`,
      "--encoding=UTF8",
      // C collation: identical ordering on every machine, and what the migrations assume.
      "--no-locale",
      "--no-instructions",
    ]);
  } finally {
    await password.close();
    await rm(passwordFile, { force: true });
  }
  await rename(staging, pgDir);

  function runInitdb(file: string, cwd: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        ...runAs,
        cwd,
        env: { ...process.env, LC_MESSAGES: "C" },
        stdio: ["ignore", "pipe", "pipe", password.fd],
      });
      child.stdout?.on("data", (chunk: Buffer) => log.write(chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => log.write(chunk.toString("utf8")));
      child.once("error", (error) => reject(cannotRun(file, "uid" in runAs, error)));
      child.once("close", (code, signal) => {
        if (code === 0) resolve();
        else
          reject(
            new EmbeddedPostgresError(
              `initdb could not create the database cluster (${signal ?? `exit code ${code}`}): ${keyLogLine(log.tail())}${seeLog(log)}`,
            ),
          );
      });
    });
  }
}
