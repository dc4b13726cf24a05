import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  type TRPCResponse,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";
import type { Database } from "@/db/client";
import type { DatabaseCircuit } from "@/server/database-circuit";
import { withPhases } from "@/server/log/phase-timings";
import { type Context, createContext } from "./context";
import { reportCallError, retryAfter } from "./handler";
import { answerLean } from "./lean-calls";
import { appRouter } from "./root";

/** One call as Node's request gave it: the procedure's path, the URL, its headers and body. */
export interface DirectCall {
  path: string;
  url: string;
  headers: Headers;
  body: Buffer;
  /** Aborted when the client leaves (a long-polling claim stops waiting). */
  signal: AbortSignal;
}

export interface DirectAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One agent call (a single mutation, JSON body) answered as tRPC's fetch adapter answers it, but
 * without its fetch Request and Response: building them, the abort signals and the stream reads
 * cost ~0.18 ms of the server's CPU per call against ~0.02 ms for the call itself (measured in
 * isolation), and a chain's every hop makes such a call.
 *
 * The same steps as tRPC's resolveResponse for one call: the context (the database circuit,
 * then the token), the procedure with its middleware and input validation (for a chain hop's
 * completeMany, lean-calls.ts skips both when they would let the call through), the answer's
 * JSON and status, the error shape from the router's formatter, the handler's Retry-After and
 * error log. Returns undefined for whatever it does not take (a body that is not JSON, an empty one,
 * a path that is not a mutation): the caller sends those to the fetch adapter, which answers
 * them, errors included, as always. agent-calls-route.test.ts holds both paths' answers equal.
 */
export async function answerDirectly(
  db: Database,
  call: DirectCall,
  options: { circuit?: DatabaseCircuit; logDb?: Database } = {},
): Promise<DirectAnswer | undefined> {
  if (!isJson(call.headers.get("content-type")) || call.body.byteLength === 0) return undefined;
  const procedure = await getProcedureAtPath(appRouter, call.path);
  if (procedure?._def.type !== "mutation") return undefined;
  let input: unknown;
  try {
    input = JSON.parse(call.body.toString("utf8"));
  } catch {
    return undefined;
  }
  const config = appRouter._def._config;
  input = config.transformer.input.deserialize(input);
  return withPhases(async () => {
    let ctx: Context | undefined;
    let response: TRPCResponse;
    let errors: Error[] = [];
    try {
      options.circuit?.assertUp();
      ctx = await createContext(db, call, options.logDb);
      const data = await (answerLean(call.path, ctx, input) ??
        procedure({
          path: call.path,
          getRawInput: async () => input,
          ctx,
          type: "mutation",
          signal: call.signal,
          batchIndex: 0,
        }));
      response = { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      errors = [error];
      reportCallError(options.circuit)({ error, path: call.path, type: "mutation" });
      response = {
        error: getErrorShape({ config, ctx, error, input, path: call.path, type: "mutation" }),
      };
    }
    return {
      status: getHTTPStatusCode(response),
      headers: {
        vary: "trpc-accept, accept",
        "content-type": "application/json",
        ...retryAfter(errors),
      },
      body: JSON.stringify(transformTRPCResponse(config, response)),
    };
  });
}

/** tRPC's own test: the media type, case-insensitive, parameters ignored. */
function isJson(contentType: string | null): boolean {
  return contentType?.toLowerCase().split(";", 1)[0]?.trim() === "application/json";
}
