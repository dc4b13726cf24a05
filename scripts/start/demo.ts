/**
 * `npm start -- --demo` (or TM_DEMO=1): the demo fleet of `npm run demo`, run inside the
 * launcher against the server it started. Its admin token is made by the launcher directly in
 * the database (nothing to copy); it stops before Next does, draining its agents.
 */
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { createDatabase } from "@/db/client";
import { ensureOwnedToken } from "@/server/auth/owned-token";
import { type DemoFleet, startDemoFleet } from "../demo/fleet";
import { summaryLine } from "../demo/summary";
import { fileTokenStore } from "../demo/tokens";
import { StartError } from "./start-error";

/** The launcher's own admin token, which the fleet makes its demo-* tokens with. */
export const LAUNCHER_TOKEN_NAME = "demo-launcher";
/**
 * Its entry in demo-tokens.json, beside the per-URL entries of the fleet's tokens: the same
 * file (mode 0600), under a key that is no URL.
 */
const LAUNCHER_STORE_KEY = "launcher";
const SUMMARY_EVERY_MS = 30_000;
const HEALTH_POLL_MS = 250;
/** A stop that takes longer (Next already gone, say) is abandoned: the leases then expire. */
const STOP_TIMEOUT_MS = 20_000;

export interface DemoRequest {
  /** Durations × this (TM_DEMO_TIME_SCALE); 1 is real time. */
  timeScale: number;
}

/** `--demo` among the arguments or TM_DEMO=1 (or true / yes); null when not asked for. */
export function demoRequest(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): DemoRequest | null {
  const flag = argv.slice(2).includes("--demo");
  const variable = ["1", "true", "yes"].includes((env.TM_DEMO ?? "").trim().toLowerCase());
  if (!flag && !variable) return null;
  const scale = Number(env.TM_DEMO_TIME_SCALE || "1");
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new StartError(
      `TM_DEMO_TIME_SCALE: expected a positive number, received "${env.TM_DEMO_TIME_SCALE}"`,
    );
  }
  return { timeScale: scale };
}

export interface LauncherDemo {
  /** Stops submitting, drains the agents, hands back their tasks; never rejects. */
  stop(): Promise<void>;
}

export interface StartLauncherDemoParams {
  request: DemoRequest;
  databaseUrl: string;
  dataDir: string;
  /** The server's base URL, as a browser on this machine reaches it. */
  url: string;
  log?: (line: string) => void;
}

/**
 * Starts the fleet once the server answers healthy, in the background: the launcher goes on
 * supervising meanwhile. A fleet that cannot start is reported and leaves the server running.
 */
export function startLauncherDemo(params: StartLauncherDemoParams): LauncherDemo {
  const say = params.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stopping = new AbortController();
  const file = path.join(params.dataDir, "demo-tokens.json");
  let ticker: NodeJS.Timeout | undefined;

  const started: Promise<DemoFleet | null> = (async () => {
    const token = await launcherToken(params.databaseUrl, file);
    await untilHealthy(params.url, stopping.signal);
    if (stopping.signal.aborted) return null;
    say(`demo: starting the fleet against ${params.url}`);
    const fleet = await startDemoFleet({
      url: params.url,
      token,
      signal: stopping.signal,
      log: (line) => say(`demo: ${line}`),
      tokenStore: fileTokenStore(file, params.url),
      timeScale: params.request.timeScale,
    });
    say(`demo: running. Open ${params.url}/ or ${params.url}/wall; Ctrl-C stops everything.`);
    ticker = setInterval(() => say(summaryLine(fleet.stats())), SUMMARY_EVERY_MS);
    return fleet;
  })().catch((error: unknown) => {
    if (!stopping.signal.aborted) {
      say(`demo: could not start the fleet (the server keeps running): ${messageOf(error)}`);
    }
    return null;
  });

  let stopped: Promise<void> | undefined;
  return {
    stop: () => {
      stopped ??= (async () => {
        stopping.abort();
        clearInterval(ticker);
        const fleet = await started;
        if (!fleet) return;
        say("demo: stopping: draining the agents and handing back their tasks…");
        const timeout = delay(STOP_TIMEOUT_MS, "timeout" as const, { ref: false });
        const outcome = await Promise.race([fleet.stop().then(() => "stopped" as const), timeout]);
        say(
          outcome === "stopped"
            ? `${summaryLine(fleet.stats())}\ndemo: stopped`
            : "demo: gave up waiting for the fleet; its leases will expire",
        );
      })().catch((error: unknown) => say(`demo: stopping failed: ${messageOf(error)}`));
      return stopped;
    },
  };
}

/** The launcher's admin token: reused across starts, kept in demo-tokens.json. */
async function launcherToken(databaseUrl: string, file: string): Promise<string> {
  const store = fileTokenStore(file, LAUNCHER_STORE_KEY);
  const { db, sql } = createDatabase(databaseUrl, { max: 1, applicationName: "tm-launcher-demo" });
  try {
    const token = await ensureOwnedToken(db, {
      name: LAUNCHER_TOKEN_NAME,
      role: "admin",
      kept: (await store.load())[LAUNCHER_TOKEN_NAME],
    });
    await store.save({ [LAUNCHER_TOKEN_NAME]: token });
    return token.secret;
  } finally {
    await sql.end();
  }
}

/** Polls the health route: Next gives no other sign that it is listening. */
async function untilHealthy(url: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(`${url}/api/health`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]),
      });
      if (response.ok) return;
    } catch {
      // Not listening yet (or the stop aborted the request): look again.
    }
    await delay(HEALTH_POLL_MS, undefined, { signal }).catch(() => {});
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
