import { randomUUID } from "node:crypto";

const ids = new WeakMap<object, string>();

/**
 * The id under which an error's detail is logged and which its response names, so an
 * operator can find the one from the other. The same error object always gets the same id:
 * tRPC hands the one error to onError (the log) and to errorFormatter (the response).
 */
export function errorIdFor(error: unknown): string {
  if (typeof error !== "object" || error === null) return randomUUID();
  let id = ids.get(error);
  if (!id) {
    id = randomUUID();
    ids.set(error, id);
  }
  return id;
}
