import { execFileSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { errnoCode } from "./errno";

/**
 * Helpers for processes this code did not necessarily start itself: a postmaster or a Next
 * server orphaned by a `kill -9` of the launcher that started them. Such a process is not
 * our child, so there is no exit event to await: only its pid, its /proc entry and polling.
 * Node-only; shared by the launcher (scripts/start/), the embedded PostgreSQL (db/embedded/)
 * and the test fixtures that clean up after them.
 */

/** Whether `pid` names a process that has not exited. */
export function isProcessRunning(pid: number): boolean {
  // kill(0) and kill(-n) address process groups (kill(-1) every process we may signal) and
  // would answer "running" for a pid that was never read: only a real pid can be running.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if (errnoCode(error) === "EPERM") return true;
    if (errnoCode(error) === "ESRCH") return false;
    throw error;
  }
  // A zombie still answers kill(0): it has exited, but its new parent (whatever adopted the
  // orphan) has not reaped it yet. Waiting for it to vanish could take forever.
  const state = readProcessState(pid);
  return state !== "Z" && state !== "X";
}

function readProcessState(pid: number): string | undefined {
  const stat = readProcFile(pid, "stat");
  // "pid (comm) S ...": comm may itself contain spaces and parentheses.
  return stat?.slice(stat.lastIndexOf(")") + 2).charAt(0);
}

function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch (error) {
    // No /proc (macOS), or the process is gone, or hidden from us: all mean "unknown".
    if (["ENOENT", "ESRCH", "EACCES", "ENOTDIR"].includes(errnoCode(error) ?? "")) return undefined;
    throw error;
  }
}

/**
 * The command line of `pid` as one string (arguments joined by spaces), or undefined when
 * the process is gone. Note a process may rewrite it: `next start` shows "next-server (vX)".
 */
export function readCommandLine(pid: number): string | undefined {
  const cmdline = readProcFile(pid, "cmdline");
  if (cmdline !== undefined) return cmdline.split("\0").filter(Boolean).join(" ");
  if (process.platform === "linux") return undefined;
  try {
    return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch (error) {
    // ps exits 1 when the pid does not exist.
    if ((error as { status?: number }).status === 1) return undefined;
    throw error;
  }
}

/** The working directory of `pid` when the OS tells (Linux /proc), else undefined. */
export function readWorkingDirectory(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch (error) {
    if (["ENOENT", "ESRCH", "EACCES", "ENOTDIR"].includes(errnoCode(error) ?? "")) return undefined;
    throw error;
  }
}

/** Reads a pid file's first line; undefined when the file is missing or holds no pid. */
export function readPidFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const pid = Number.parseInt(text.split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export interface TerminateStep {
  signal: NodeJS.Signals;
  /** How long to wait for the process to exit after this signal before the next step. */
  waitMs: number;
}

/**
 * Signals `pid` step by step until it has exited; resolves true once it is gone, false if it
 * survived every step. Polls, because a process that is not our child gives no exit event.
 */
export async function terminateProcess(pid: number, steps: readonly TerminateStep[]) {
  for (const step of steps) {
    if (!isProcessRunning(pid)) return true;
    try {
      process.kill(pid, step.signal);
    } catch (error) {
      if (errnoCode(error) === "ESRCH") return true;
      throw error;
    }
    const deadline = Date.now() + step.waitMs;
    while (Date.now() < deadline) {
      if (!isProcessRunning(pid)) return true;
      await delay(50);
    }
  }
  return !isProcessRunning(pid);
}
