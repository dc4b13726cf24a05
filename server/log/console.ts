import { format } from "node:util";
import { log } from "./logger";

/**
 * Sends console.error and console.warn through the logger. Next logs an error thrown while
 * rendering a page or a route as `console.error(error)`: the raw error, whose message (a
 * DrizzleQueryError's) holds the SQL and its parameters, a session's token hash among them.
 * Through the logger it becomes a JSON line with the error serialized like every other.
 * Returns a function that restores the console.
 */
export function routeConsoleToLog(): () => void {
  const original = { error: console.error, warn: console.warn };
  const nextLog = log.child({ component: "next" });
  const toLog =
    (level: "error" | "warn") =>
    (...args: unknown[]) => {
      const err = args.find((arg) => arg instanceof Error);
      const text = format(...args.filter((arg) => !(arg instanceof Error))).trim();
      if (err) nextLog[level]({ err }, text || "unhandled error");
      else nextLog[level](text);
    };
  console.error = toLog("error");
  console.warn = toLog("warn");
  return () => {
    console.error = original.error;
    console.warn = original.warn;
  };
}
