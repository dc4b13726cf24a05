import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import path from "node:path";
import { serverNodeOptions } from "./heap-options";
import { StartError } from "./start-error";

export interface NextServerParams {
  repoRoot: string;
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

export interface NextServer {
  pid: number;
  /** Settles with the exit code (128 + n after signal n, as a shell reports it). */
  exited: Promise<number>;
  /** Sends a signal; a no-op once it has exited. */
  signal(signal: NodeJS.Signals): void;
}

function withNodeOptions(env: NodeJS.ProcessEnv, options: string | undefined): NodeJS.ProcessEnv {
  return options === undefined ? env : { ...env, NODE_OPTIONS: options };
}

/**
 * Starts `next start` in its own process group: a Ctrl-C in the terminal then reaches only
 * the launcher, which forwards it and stops PostgreSQL after Next has exited, so Next never
 * sees its database vanish mid-request. Its heap limit: heap-options.ts.
 */
export async function spawnNextServer(params: NextServerParams): Promise<NextServer> {
  const child = spawn(
    path.join(params.repoRoot, "node_modules", ".bin", "next"),
    ["start", "-H", params.host, "-p", String(params.port)],
    {
      cwd: params.repoRoot,
      env: withNodeOptions(params.env, serverNodeOptions(params.env.NODE_OPTIONS)),
      detached: true,
      // No stdin: a background process group reading the terminal would be stopped (SIGTTIN).
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
  try {
    await once(child, "spawn");
  } catch (error) {
    throw new StartError(
      `could not run next (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); run npm install`,
      { cause: error },
    );
  }
  return {
    pid: child.pid ?? -1,
    exited,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
