/**
 * `npm run demo [-- --url URL --token ADMIN_TOKEN]`: a simulated fleet of agents and an
 * orchestrator working against a running server, so every page of the dashboard comes alive.
 * Ctrl-C stops it cleanly: workers stop and hand back the tasks they were running.
 *
 * Run as `node --import tsx`, not through the `tsx` command: that one relays signals to a child
 * process and kills it when it does not acknowledge within 30 ms, which a busy machine misses,
 * leaving the leases of a killed fleet to expire instead of being handed back.
 *
 * Options: --url (or TM_URL; default http://127.0.0.1:3000), --token (or TM_TOKEN; an admin
 * token, required), --seed N (repeatable runs), --time-scale X (durations × X),
 * --summary-every S (seconds between summary lines, default 5).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { errorCode, isTransient } from "@/sdk/errors";
import { startDemoFleet } from "./fleet";
import { summaryLine } from "./summary";
import { fileTokenStore } from "./tokens";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    seed: { type: "string" },
    "time-scale": { type: "string" },
    "summary-every": { type: "string", default: "5" },
  },
});

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) fail(`--${name}: expected a positive number`);
  return parsed;
}

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}

/** Signals closer together than this count as one. */
const DOUBLE_SIGNAL_MS = 1_000;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const url = (args.url ?? process.env.TM_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
  const token = args.token ?? process.env.TM_TOKEN;
  if (!token) {
    fail(
      "an admin token is required: --token tm_admin_… or TM_TOKEN=… (the secret of the " +
        "sign-in link `npm start` printed on its first start)",
    );
  }
  const summaryMs = (number("summary-every", args["summary-every"]) ?? 5) * 1000;
  const stopping = new AbortController();

  say(`demo: starting the fleet against ${url}`);
  const fleet = await startDemoFleet({
    url,
    token,
    signal: stopping.signal,
    log: (line) => say(`demo: ${line}`),
    tokenStore: fileTokenStore(
      path.join(process.env.TM_DATA_DIR ?? ".data", "demo-tokens.json"),
      url,
    ),
    seed: number("seed", args.seed),
    timeScale: number("time-scale", args["time-scale"]),
  }).catch((error: unknown) => fail(startError(error, url)));

  say(`demo: running. Open ${url}/ (or ${url}/wall); Ctrl-C stops.`);
  say(
    "demo: the long training runs take 60–90 s; to see the task_duration alert, start the " +
      "server with TM_ALERT_TASK_DURATION=45 (its default is 3600 s).",
  );
  const ticker = setInterval(() => say(summaryLine(fleet.stats())), summaryMs);

  let firstSignalAt: number | undefined;
  const onSignal = () => {
    // A terminal's Ctrl-C may reach this process twice (directly, and forwarded by npm): only
    // a second press, later, means "quit now".
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < DOUBLE_SIGNAL_MS) return;
      say("demo: stopping at once (tasks still held are requeued when their leases expire)");
      process.exit(130);
    }
    firstSignalAt = Date.now();
    say("demo: stopping: handing back running tasks… (Ctrl-C again to quit at once)");
    stopping.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  await new Promise<void>((resolve) =>
    stopping.signal.addEventListener("abort", () => resolve(), { once: true }),
  );
  clearInterval(ticker);
  await fleet.stop();
  say(summaryLine(fleet.stats()));
  say("demo: stopped");
}

function startError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  if (code === "UNAUTHORIZED") return `the server refused the token: ${message}`;
  if (code === "FORBIDDEN") return `the token is not an admin token: ${message}`;
  if (isTransient(error))
    return `cannot reach ${url} (is the server running? npm start): ${message}`;
  return message;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
