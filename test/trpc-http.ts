import type { Database } from "@/db/client";
import { handleTrpcRequest, TRPC_ENDPOINT } from "@/server/api/handler";

export const TEST_ORIGIN = "http://127.0.0.1:3000";

export interface CallParams {
  /** e.g. "tokens.create" */
  path: string;
  type: "query" | "mutation";
  input?: unknown;
  token?: string;
  /** A session secret sent as the tm_session cookie. */
  session?: string;
  /** The Origin header; omitted when undefined. */
  origin?: string;
}

/**
 * Sends one tRPC call through the real HTTP handler, shaped on the wire exactly as a plain
 * HTTP client sends it (no transformer): queries as GET with `?input=<json>`, mutations as POST
 * with a JSON body.
 */
export async function callProcedure<T = unknown>(db: Database, params: CallParams) {
  const url = new URL(`${TRPC_ENDPOINT}/${params.path}`, TEST_ORIGIN);
  const headers = new Headers({ host: new URL(TEST_ORIGIN).host });
  if (params.token) headers.set("authorization", `Bearer ${params.token}`);
  if (params.session) headers.set("cookie", `tm_session=${params.session}`);
  if (params.origin) headers.set("origin", params.origin);
  let init: RequestInit = { method: "GET", headers };
  if (params.type === "query") {
    if (params.input !== undefined) url.searchParams.set("input", JSON.stringify(params.input));
  } else {
    headers.set("content-type", "application/json");
    init = { method: "POST", headers, body: JSON.stringify(params.input ?? null) };
  }
  const response = await handleTrpcRequest(db, new Request(url, init));
  const body = (await response.json()) as {
    result?: { data: unknown };
    error?: { message: string; data: { code: string; httpStatus: number } };
  };
  // `data` is typed by the caller: the wire carries plain JSON, not the router's types.
  return { status: response.status, body, data: body.result?.data as T };
}
