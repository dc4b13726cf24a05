import { realpathSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import {
  isProcessRunning,
  readCommandLine,
  readPidFile,
  readWorkingDirectory,
  terminateProcess,
} from "../../lib/process/pids";
import { CLUSTER_DIR_SETTING } from "./cluster-dir";
import { EmbeddedPostgresError } from "./errors";
import { POSTMASTER_STOP_STEPS } from "./postmaster";

/**
 * Makes way for a new postmaster on `pgDir` after a launcher died without stopping its own
 * (kill -9, OOM): that postmaster may still be running, orphaned, or have left a stale
 * `postmaster.pid`. Both are handled without asking the user.
 */
export async function clearStalePostmaster(pgDir: string): Promise<void> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  const pid = readPidFile(pidFile);
  if (pid === undefined) return;

  if (isProcessRunning(pid) && isPostmasterOf(pid, pgDir)) {
    // The orphan still serves the cluster, possibly to clients of the dead launcher's Next
    // (stopped separately). A fast shutdown rolls their transactions back and checkpoints,
    // so the next start needs no crash recovery. Escalate only if it truly hangs.
    const stopped = await terminateProcess(pid, POSTMASTER_STOP_STEPS);
    if (!stopped) {
      throw new EmbeddedPostgresError(
        `could not stop the previous PostgreSQL (pid ${pid}) on ${pgDir}; stop it (kill -9 ${pid}) and start again`,
      );
    }
    // A clean shutdown removes the file itself; after SIGKILL it is left behind.
    await rm(pidFile, { force: true });
    return;
  }

  const command = isProcessRunning(pid) ? readCommandLine(pid) : undefined;
  if (command?.includes("postgres")) {
    // A PostgreSQL we cannot tie to this directory: removing its lock file could let two
    // postmasters write one cluster. Rather stop than guess.
    throw new EmbeddedPostgresError(
      `${pidFile} names a running PostgreSQL (pid ${pid}) that may be using this cluster; stop it, or remove the file if it is not`,
    );
  }
  // The pid is gone, or now belongs to an unrelated process (pid reuse after a reboot, common
  // in containers), which PostgreSQL would take for a live postmaster and refuse to start.
  await rm(pidFile, { force: true });
}

/** Whether `pid` is a postmaster serving `pgDir`: it runs in that directory, or was given it. */
function isPostmasterOf(pid: number, pgDir: string): boolean {
  const command = readCommandLine(pid);
  if (command === undefined || !command.includes("postgres")) return false;
  const realDir = realpathSync(pgDir);
  const named = (argument: string) => `${command} `.includes(`${argument} `);
  return (
    readWorkingDirectory(pid) === realDir ||
    named(`-D ${pgDir}`) ||
    named(`-D ${realDir}`) ||
    named(`${CLUSTER_DIR_SETTING}=${realDir}`)
  );
}
