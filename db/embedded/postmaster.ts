import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import type { TerminateStep } from "../../lib/process/pids";
import type { PostgresBinaries } from "./binaries";
import { CLUSTER_DIR_SETTING, type ClusterDirAccess, pointAt } from "./cluster-dir";
import { cannotRun, EmbeddedPostgresError, keyLogLine } from "./errors";
import { type LogSink, seeLog } from "./log";
import type { RunAs } from "./os-user";

export interface LaunchPostmasterOptions {
  binaries: PostgresBinaries;
  pgDir: string;
  port: number;
  runAs: RunAs;
  access: ClusterDirAccess;
  log: LogSink;
  /**
   * Own process group, so a Ctrl-C in the terminal reaches only the launcher, which stops
   * PostgreSQL last, after Next has drained. Tests leave it attached so that interrupting
   * the test runner also stops their throwaway cluster.
   */
  detached: boolean;
  settings?: Readonly<Record<string, string>>;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Postmaster {
  pid: number;
  /** Settles when the postmaster exits, whoever caused it. */
  exited: Promise<ExitInfo>;
  /** Fast shutdown (SIGINT), escalating only if it hangs; resolves once it has exited. */
  stop(): Promise<void>;
  /** Sends a signal without waiting; a no-op once it has exited. Safe in an exit handler. */
  signal(signal: NodeJS.Signals): void;
}

/** The postmaster exited before it accepted connections. */
export class PostmasterStartError extends EmbeddedPostgresError {
  override readonly name = "PostmasterStartError";
  constructor(
    message: string,
    /** Its port was taken between our check and its bind: retrying on another port helps. */
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

const READY_LINE = "database system is ready to accept connections";
// Crash recovery after an unclean stop replays WAL before it is ready: be patient.
const READY_TIMEOUT_MS = 120_000;
/** How a postmaster is stopped, ours or one a dead launcher left (stale-postmaster.ts). */
export const POSTMASTER_STOP_STEPS: readonly TerminateStep[] = [
  { signal: "SIGINT", waitMs: 60_000 }, // fast shutdown: rolls back sessions, checkpoints
  { signal: "SIGQUIT", waitMs: 10_000 }, // immediate shutdown: crash recovery at next start
  { signal: "SIGKILL", waitMs: 10_000 },
];

/** Starts `postgres` on 127.0.0.1 only and resolves once it accepts connections. */
export async function launchPostmaster(options: LaunchPostmasterOptions): Promise<Postmaster> {
  const { binaries, pgDir, port, runAs, log } = options;
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    // TCP only: no socket file in /tmp to collide with another cluster on the same port.
    unix_socket_directories: "",
    ...options.settings,
  };
  if (options.access === "working-directory") settings[CLUSTER_DIR_SETTING] = realpathSync(pgDir);
  const { cwd, dataDirArgument } = pointAt(pgDir, options.access);
  const args = ["-D", dataDirArgument, "-p", String(port)];
  for (const [key, value] of Object.entries(settings)) args.push("-c", `${key}=${value}`);

  const child = spawn(binaries.postgres, args, {
    ...runAs,
    cwd,
    detached: options.detached,
    env: { ...process.env, LC_MESSAGES: "C" },
    // The server logs on stderr. Once a launcher is gone (kill -9), writes to this pipe fail
    // harmlessly: the postmaster ignores SIGPIPE.
    stdio: ["ignore", "ignore", "pipe"],
  });
  // 'close', not 'exit': only then has all of its stderr been read, including the lines
  // that explain a failed start.
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once("error", (error) => reject(cannotRun(binaries.postgres, "uid" in runAs, error))),
  );

  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  let pending = "";
  child.stderr.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    log.write(text);
    pending += text;
    const lastNewline = pending.lastIndexOf("\n");
    if (lastNewline === -1) return;
    if (pending.slice(0, lastNewline).includes(READY_LINE)) resolveReady();
    pending = pending.slice(lastNewline + 1);
  });

  const timeout = new AbortController();
  const outcome = await Promise.race([
    ready.then(() => "ready" as const),
    exited,
    spawnFailed,
    delay(READY_TIMEOUT_MS, "timeout" as const, { signal: timeout.signal }),
  ]).finally(() => timeout.abort());

  const postmaster: Postmaster = {
    pid: child.pid ?? -1,
    exited,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop() {
      for (const step of POSTMASTER_STOP_STEPS) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        child.kill(step.signal);
        const stepTimeout = new AbortController();
        // The aborted timer rejects, but only after the race settled: nothing is left unhandled.
        await Promise.race([
          exited,
          delay(step.waitMs, undefined, { signal: stepTimeout.signal }),
        ]).finally(() => stepTimeout.abort());
      }
      await exited;
    },
  };

  if (outcome === "ready") return postmaster;
  if (outcome === "timeout") {
    await postmaster.stop();
    throw new PostmasterStartError(
      `PostgreSQL did not become ready within ${READY_TIMEOUT_MS / 1000} s (${keyLogLine(log.tail())})${seeLog(log)}`,
      false,
    );
  }
  const tail = log.tail();
  throw new PostmasterStartError(
    `PostgreSQL exited during start-up (${outcome.signal ?? `exit code ${outcome.code}`}): ${keyLogLine(tail)}${seeLog(log)}`,
    /could not bind .*Address already in use/i.test(tail),
  );
}
