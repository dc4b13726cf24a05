import { TRPCClientError } from "@trpc/client";

const NON_RETRYABLE = Symbol.for("task-manager.non-retryable");

/**
 * Thrown by a handler to fail its task for good, whatever attempts remain. Recognised by a
 * symbol rather than `instanceof`, so a second copy of the SDK in node_modules still counts.
 */
export class NonRetryableError extends Error {
  readonly [NON_RETRYABLE] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NonRetryableError";
  }
}

export function isNonRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && NON_RETRYABLE in error;
}

/** The server no longer lets this worker report on the task (lease expired, task cancelled). */
export class LeaseLostError extends Error {
  constructor(
    readonly taskId: string,
    message: string,
  ) {
    super(`task ${taskId}: lease lost: ${message}`);
    this.name = "LeaseLostError";
  }
}

/** The tRPC error code of an answer from the server, if the server answered at all. */
export function errorCode(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = error.data as { code?: unknown } | undefined;
  return typeof data?.code === "string" ? data.code : undefined;
}

/**
 * Worth trying again unchanged: no tRPC answer at all (connection refused or reset, a proxy's
 * HTML error page) or a server-side failure. A 4xx answer will not change by repeating it.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = error.data as { httpStatus?: unknown } | undefined;
  const status = typeof data?.httpStatus === "number" ? data.httpStatus : undefined;
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

/** What a failed task's `error` column gets: JSON, and small enough to keep. */
export function serializeError(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const stack = error.stack === undefined ? undefined : storable(error.stack, 4000);
    return { name: storable(error.name, 200), message: storable(error.message), stack };
  }
  return { name: "Error", message: storable(typeof error === "string" ? error : safeJson(error)) };
}

// The server refuses (400) text PostgreSQL cannot store: U+0000 and lone surrogates. An error
// read from a tool's output may hold either; it is replaced rather than lose the failure.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Cut to `max` characters, well under the server's result_bytes limit. */
function storable(text: string, max = 16_000): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // A cut inside a surrogate pair leaves half of it: replaced like any other lone one.
  return cut.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATE, "\uFFFD");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
