import { TRPCClientError } from "@trpc/client";

/** `z.flattenError`'s shape, as the server's errorFormatter sends it (server/api/trpc.ts). */
export interface FlatZodError {
  formErrors: string[];
  fieldErrors: Record<string, string[] | undefined>;
}

function zodErrorOf(error: unknown): FlatZodError | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  if (typeof data !== "object" || data === null || !("zodError" in data)) return null;
  const zodError = (data as { zodError: unknown }).zodError;
  if (typeof zodError !== "object" || zodError === null) return null;
  const { formErrors, fieldErrors } = zodError as Partial<FlatZodError>;
  return { formErrors: formErrors ?? [], fieldErrors: fieldErrors ?? {} };
}

/**
 * The errors of a failed call, split for a form: each field's messages, and the rest (form
 * errors, or the whole message of a non-validation error such as a CONFLICT). A domain error
 * naming a field first (`dependsOn: unknown task ids …`) goes to that field.
 */
export function formErrorsOf(
  error: unknown,
  fields: readonly string[],
): { fields: Record<string, string[]>; form: string[] } {
  const zod = zodErrorOf(error);
  if (zod) {
    const byField: Record<string, string[]> = {};
    const form = [...zod.formErrors];
    for (const [field, messages] of Object.entries(zod.fieldErrors)) {
      if (!messages?.length) continue;
      if (fields.includes(field)) byField[field] = messages;
      else form.push(...messages.map((message) => `${field}: ${message}`));
    }
    return { fields: byField, form };
  }
  const message = errorMessage(error);
  const field = fields.find((name) => message.startsWith(`${name}: `));
  return field
    ? { fields: { [field]: [message.slice(field.length + 2)] }, form: [] }
    : { fields: {}, form: [message] };
}

/** One readable sentence for any failed call. */
export function errorMessage(error: unknown): string {
  const zod = zodErrorOf(error);
  if (zod) {
    const fields = Object.entries(zod.fieldErrors).flatMap(([field, messages]) =>
      (messages ?? []).map((message) => `${field}: ${message}`),
    );
    return [...zod.formErrors, ...fields].join("; ") || "The request was not valid.";
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong; try again.";
}

/** Whether a query failed because the thing does not exist. */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data: unknown = error.data;
  return (
    typeof data === "object" && data !== null && (data as { code?: unknown }).code === "NOT_FOUND"
  );
}
