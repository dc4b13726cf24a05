import { inspect } from "node:util";
import { EmbeddedPostgresError } from "@/db/embedded/errors";
import { ConfigError } from "@/server/config";
import { StartError } from "./start-error";

/** Set (to anything but "" or "0") for the whole error of a failed start: stack and causes. */
export const DEBUG_VARIABLE = "TM_DEBUG";

export function isDebug(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const value = env[DEBUG_VARIABLE];
  return value !== undefined && value !== "" && value !== "0";
}

/**
 * What a failed start prints on stderr: one line saying what is wrong and what to do. A
 * failure we foresaw says both in its message; anything else is shown by its message with a
 * pointer to TM_DEBUG, which adds everything else below that line.
 */
export function describeStartFailure(error: unknown, debug: boolean): string {
  if (isExplained(error)) {
    const line = oneLine(error.message);
    return debug ? `${line}\n${inspect(error, { depth: 10 })}\n` : `${line}\n`;
  }
  const line = `Start failed: ${oneLine(messageOf(error))}`;
  return debug
    ? `${line}\n${inspect(error, { depth: 10 })}\n`
    : `${line} (run with ${DEBUG_VARIABLE}=1 for details)\n`;
}

function isExplained(error: unknown): error is Error {
  return (
    error instanceof StartError ||
    error instanceof ConfigError ||
    error instanceof EmbeddedPostgresError
  );
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
