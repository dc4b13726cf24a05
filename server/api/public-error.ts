import type { TRPCError } from "@trpc/server";
import { isDatabaseUnavailable } from "@/server/errors";
import { errorIdFor } from "@/server/log/error-id";

/** Seconds a client should wait before retrying a 503: the circuit probes every 250 ms. */
export const RETRY_AFTER_S = 1;

export const UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly";
export const INTERNAL_MESSAGE = "internal error; the server log has the detail under errorId";

export interface PublicError {
  code: TRPCError["code"];
  message: string;
  httpStatus?: number;
  /** Set for server-side failures (5xx): the id their log line carries. */
  errorId: string | null;
}

/**
 * What a caller may see of an error. Deliberate errors (domain, validation, auth, and a
 * SERVICE_UNAVAILABLE thrown on purpose) keep their code and message. An unreachable database
 * becomes 503 with a generic message; anything else unexpected becomes 500 with a generic
 * message and an error id: its own message may hold SQL, parameters or a token hash.
 */
export function publicError(error: TRPCError): PublicError {
  const serverSide = error.code === "INTERNAL_SERVER_ERROR" || error.code === "SERVICE_UNAVAILABLE";
  if (serverSide && isDatabaseUnavailable(error)) {
    return {
      code: "SERVICE_UNAVAILABLE",
      message: UNAVAILABLE_MESSAGE,
      httpStatus: 503,
      errorId: errorIdFor(error),
    };
  }
  if (error.code === "INTERNAL_SERVER_ERROR") {
    return {
      code: error.code,
      message: INTERNAL_MESSAGE,
      httpStatus: 500,
      errorId: errorIdFor(error),
    };
  }
  return { code: error.code, message: error.message, errorId: null };
}
