import { isDatabaseUnavailable } from "@/server/errors";

/** What a log line says about an error: never SQL parameters, secrets or response bodies. */
export interface SerializedError {
  type: string;
  message: string;
  code?: string;
  /** The SQL text of a failed statement (no parameters), at debug level only. */
  query?: string;
  stack?: string;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 5;

/**
 * Serializes an error for the log. drizzle's DrizzleQueryError puts the SQL and its
 * parameters in its message (and so in the first line of its stack), and a PostgreSQL error's
 * `detail` quotes row values: both are left out. Stacks are kept for unexpected errors, which
 * need them to be fixed, but not for an unreachable database, which says nothing a stack would
 * add; `debug` keeps everything but parameters.
 */
export function serializeError(
  error: unknown,
  debug = false,
  depth = 0,
  parentStack?: string,
): SerializedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  // DrizzleQueryError's message is "Failed query: <sql>\nparams: <parameters>", and tRPC copies
  // its cause's message into its own error.
  const drizzle = error.message.startsWith("Failed query: ");
  const serialized: SerializedError = {
    // DrizzleQueryError leaves `name` at "Error" (and bundling renames its class).
    type: drizzle && error.name === "Error" ? "DrizzleQueryError" : error.name,
    message: drizzle ? "query failed" : error.message,
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") serialized.code = String(code);
  if (drizzle && debug) serialized.query = (error as { query?: unknown }).query as string;
  const stack = error.stack ? stackFrames(error.stack) : "";
  // tRPC copies its cause's stack: once is enough.
  if (stack && stack !== parentStack && (debug || !isDatabaseUnavailable(error))) {
    serialized.stack = stack;
  }
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    serialized.cause = serializeError(error.cause, debug, depth + 1, stack);
  }
  return serialized;
}

/** Only the `at …` lines: the first line repeats the message, which may hold SQL. */
function stackFrames(stack: string): string {
  return stack
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim())
    .join("\n");
}
