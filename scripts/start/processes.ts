import { realpathSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  isProcessRunning,
  readCommandLine,
  readPidFile,
  readWorkingDirectory,
  terminateProcess,
} from "@/lib/process/pids";
import { isPortFree } from "@/lib/process/ports";
import { StartError } from "./start-error";

/** Pid files in the data directory, next to the embedded cluster they go with. */
export const LAUNCHER_PID_FILE = "launcher.pid";
export const SERVER_PID_FILE = "server.pid";

/**
 * Claims the data directory for this launcher, refusing if another live launcher holds it:
 * a second `npm start` on the same directory would otherwise take the first one's database
 * away. Returns the release function.
 */
export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LAUNCHER_PID_FILE);
  const holder = readPidFile(file);
  if (holder !== undefined && holder !== process.pid && isLauncher(holder)) {
    throw new StartError(`another launcher (pid ${holder}) is already running on ${dataDir}`);
  }
  await writeFile(file, `${process.pid}\n`);
  return async () => {
    // Only our own claim: never delete a file a later launcher wrote.
    if (readPidFile(file) === process.pid) await rm(file, { force: true });
  };
}

function isLauncher(pid: number): boolean {
  return isProcessRunning(pid) && (readCommandLine(pid) ?? "").includes("start.ts");
}

/**
 * Stops the Next server a killed launcher left behind (it would still hold the port and
 * the database's connections). Only a Next server started from this repository is touched:
 * the pid may have been reused by anything since.
 */
export async function stopPreviousServer(dataDir: string, repoRoot: string): Promise<void> {
  const file = path.join(dataDir, SERVER_PID_FILE);
  const pid = readPidFile(file);
  if (pid === undefined) return;
  if (isProcessRunning(pid) && isNextServerOf(pid, repoRoot)) {
    process.stdout.write(`Stopping the server a previous launcher left running (pid ${pid}).\n`);
    const stopped = await terminateProcess(pid, [
      { signal: "SIGTERM", waitMs: 30_000 },
      { signal: "SIGKILL", waitMs: 10_000 },
    ]);
    if (!stopped) throw new StartError(`could not stop the previous server (pid ${pid})`);
  }
  await rm(file, { force: true });
}

function isNextServerOf(pid: number, repoRoot: string): boolean {
  // `next start` renames itself "next-server (vX.Y.Z)", hiding its arguments.
  const command = readCommandLine(pid) ?? "";
  if (!/next-server|next start|\/next\b/.test(command)) return false;
  const cwd = readWorkingDirectory(pid);
  // Without /proc (macOS) the command line is all there is to go on.
  return cwd === undefined || cwd === realpathSync(repoRoot);
}

export async function recordServerPid(dataDir: string, pid: number): Promise<void> {
  await writeFile(path.join(dataDir, SERVER_PID_FILE), `${pid}\n`);
}

/** Forgets the server pid once that server has exited, if the file still names it. */
export async function clearServerPid(dataDir: string, pid: number): Promise<void> {
  const file = path.join(dataDir, SERVER_PID_FILE);
  if (readPidFile(file) === pid) await rm(file, { force: true });
}

/** Fails with one line when something else listens where Next is to listen. */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (!(await isPortFree(port, host))) {
    throw new StartError(
      `port ${port} on ${host} is already in use by another program; stop it or set PORT`,
    );
  }
}
