/**
 * Domain errors with stable codes. Domain modules throw these; the tRPC layer maps them to
 * its error codes in one place (server/api/trpc.ts), keeping the cause.
 */
export type DomainErrorCode = "BAD_REQUEST" | "NOT_FOUND" | "CONFLICT" | "FORBIDDEN";

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
