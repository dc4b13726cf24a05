import pino from "pino";
import { processSlot } from "@/server/process/slots";
import { prettyLine } from "./pretty";
import { serializeError } from "./serialize-error";

export type Logger = pino.Logger;

/**
 * Fields never written as they are, wherever a caller put them: credentials and token hashes.
 * Error objects go through serializeError, which leaves out SQL parameters.
 */
const REDACT_PATHS = ["authorization", "cookie", "token", "secret", "password", "tokenHash"];

type Tap = (line: string) => void;

// One logger per process, shared by every bundle (server/process/slots.ts).
const taps = processSlot<Set<Tap>>("logTaps").getOrCreate(() => new Set());

/**
 * JSON lines on stdout (`{"level":"warn","time":…,"msg":…}`), or a readable rendering of them
 * when stdout is a terminal. TM_LOG_LEVEL sets the level (default info; debug adds SQL text
 * and every stack), TM_LOG_FORMAT=json|pretty overrides the choice of format.
 */
function createLogger(): Logger {
  const format = process.env.TM_LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json");
  const sink =
    format === "pretty"
      ? { write: (line: string) => process.stdout.write(prettyLine(line)) }
      : pino.destination({ dest: 1, sync: true });
  const destination = {
    write(line: string) {
      for (const tap of taps) tap(line);
      sink.write(line);
    },
  };
  let debug = false;
  const logger = pino(
    {
      level: process.env.TM_LOG_LEVEL ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          ...REDACT_PATHS,
          ...REDACT_PATHS.map((path) => `*.${path}`),
          "*.headers.authorization",
          "*.headers.cookie",
        ],
        censor: "[redacted]",
      },
      serializers: { err: (error: unknown) => serializeError(error, debug) },
    },
    destination,
  );
  debug = logger.isLevelEnabled("debug");
  return logger;
}

/** The process's logger; `log.child({ component: "scheduler" })` names the part that logs. */
export const log: Logger = processSlot<Logger>("logger").getOrCreate(createLogger);

/** Tests: receives every line written from now on (JSON, before any pretty-printing). */
export function tapLogLines(tap: Tap): () => void {
  taps.add(tap);
  return () => taps.delete(tap);
}
