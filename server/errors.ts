/**
 * Domain errors with stable codes. Domain modules throw these; the tRPC layer maps them to
 * its error codes in one place (server/api/trpc.ts), keeping the cause.
 */
export type DomainErrorCode =
  | "BAD_REQUEST"
  | "NOT_FOUND"
  | "CONFLICT"
  | "FORBIDDEN"
  | "UNAUTHORIZED";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);

/**
 * The database cannot be reached right now (down, restarting, refusing connections). Not a
 * bug: callers answer 503 with Retry-After, and clients retry.
 */
export class DatabaseUnavailableError extends Error {
  /**
   * Recognised by this code, not by instanceof: Next bundles route handlers and
   * instrumentation separately, and the circuit that throws it may come from the other bundle.
   */
  readonly code = "DATABASE_UNAVAILABLE";
  constructor(options?: { cause?: unknown }) {
    super("the database is unavailable; retry shortly", options);
    this.name = "DatabaseUnavailableError";
  }
}

/**
 * Codes that mean "no usable connection", not "this statement is wrong": socket errors (Node),
 * postgres.js's own connection errors, and PostgreSQL's connection-exception class (08), admin
 * or crash shutdown (57P01, 57P02), "starting up / shutting down" (57P03) and a full server
 * (53300).
 */
const UNAVAILABLE_CODES = new Set([
  "DATABASE_UNAVAILABLE",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

/** How deep to follow `cause`: tRPC wraps drizzle, which wraps postgres.js. */
const MAX_CAUSE_DEPTH = 8;

/** Whether `error`, or any error in its cause chain, says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    // Node reports a refused connection to a host with several addresses as an AggregateError.
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
