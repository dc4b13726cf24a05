import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { errorMessage, formErrorsOf, isNotFound } from "./errors";

/** An error as the browser's client builds it from the server's JSON answer. */
function serverError(message: string, data: Record<string, unknown>) {
  return TRPCClientError.from({ error: { message, code: -32600, data } });
}

const validation = serverError("invalid input", {
  code: "BAD_REQUEST",
  zodError: {
    formErrors: ['Unrecognized key: "colour"'],
    fieldErrors: { priority: ["Too big: expected number to be <=1000000"], payload: [] },
  },
});

describe("server errors in forms", () => {
  it("puts zod messages next to their fields, the rest on the form", () => {
    expect(formErrorsOf(validation, ["name", "priority"])).toEqual({
      fields: { priority: ["Too big: expected number to be <=1000000"] },
      form: ['Unrecognized key: "colour"'],
    });
    // A field the form does not show is named in the form's messages.
    expect(formErrorsOf(validation, ["name"]).form).toEqual([
      'Unrecognized key: "colour"',
      "priority: Too big: expected number to be <=1000000",
    ]);
  });

  it("sends a domain error naming a field to that field", () => {
    const unknownIds = serverError("dependsOn: unknown task ids 1234", { code: "BAD_REQUEST" });
    expect(formErrorsOf(unknownIds, ["dependsOn"])).toEqual({
      fields: { dependsOn: ["unknown task ids 1234"] },
      form: [],
    });
    const conflict = serverError("cannot cancel a task that is succeeded", { code: "CONFLICT" });
    expect(formErrorsOf(conflict, ["name"])).toEqual({
      fields: {},
      form: ["cannot cancel a task that is succeeded"],
    });
  });

  it("words any failure as one sentence, and recognises NOT_FOUND", () => {
    expect(errorMessage(validation)).toBe(
      'Unrecognized key: "colour"; priority: Too big: expected number to be <=1000000',
    );
    expect(errorMessage(new Error("Failed to fetch"))).toBe("Failed to fetch");
    expect(errorMessage("?")).toBe("Something went wrong; try again.");
    expect(isNotFound(serverError("task x not found", { code: "NOT_FOUND" }))).toBe(true);
    expect(isNotFound(validation)).toBe(false);
  });
});
