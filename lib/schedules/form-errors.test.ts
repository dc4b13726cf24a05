import { describe, expect, it } from "vitest";
import { scheduleInput } from "@/server/schedules/inputs";
import { scheduleFormErrors } from "./form-errors";

const FIELDS = ["name", "cron", "everyS", "timezone", "spec", "startAt", "endAt"];

/** The error a failed call carries: tRPC sends zod's message, its issues as JSON. */
function validationError(input: unknown): Error {
  const parsed = scheduleInput.safeParse(input);
  if (parsed.success) throw new Error("expected a validation error");
  return new Error(parsed.error.message);
}

describe("scheduleFormErrors", () => {
  it("puts a bad cron under the cron field, in the server's words", () => {
    const errors = scheduleFormErrors(
      validationError({ name: "x", cron: "61 * * * *", task: { name: "t" } }),
      FIELDS,
    );
    expect(Object.keys(errors.fields)).toEqual(["cron"]);
    expect(errors.fields.cron?.[0]).toMatch(/\S/);
    expect(errors.form).toEqual([]);
  });

  it("puts a spec's errors under the spec, with the path inside it", () => {
    const errors = scheduleFormErrors(
      validationError({ name: "x", everyS: 60, task: { name: "t", priority: 1.5 } }),
      FIELDS,
    );
    expect(errors.fields.spec?.[0]).toMatch(/^priority: /);
    const nested = scheduleFormErrors(
      validationError({ name: "x", everyS: 60, workflow: { name: "w", tasks: [{ key: "a" }] } }),
      FIELDS,
    );
    expect(nested.fields.spec?.[0]).toMatch(/^tasks\[0\]\.name: /);
  });

  it("routes a domain error that names a field to it, and the rest to the form", () => {
    expect(scheduleFormErrors(new Error("cron: must have 5 fields"), FIELDS)).toEqual({
      fields: { cron: ["must have 5 fields"] },
      form: [],
    });
    expect(
      scheduleFormErrors(new Error("task.requires: unknown resource gpu"), FIELDS).fields.spec,
    ).toEqual(["requires: unknown resource gpu"]);
    expect(
      scheduleFormErrors(new Error('a schedule named "x" exists already'), FIELDS).form,
    ).toEqual(['a schedule named "x" exists already']);
  });
});
