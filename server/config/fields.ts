import { z } from "zod";

/**
 * Field types shared by the sections of `task-manager.yaml`'s schema (schema.ts,
 * schedules-schema.ts). Each `error` text is the expectation only: the error formatter
 * appends what was received.
 */

export const mapping = { error: "expected a mapping" };

export function text(fallback: string) {
  const message = "expected a non-empty string";
  return z.string({ error: message }).min(1, { error: message }).default(fallback);
}

export function textList(fallback: readonly string[]) {
  const message = "expected a list of non-empty strings";
  return z
    .array(z.string({ error: message }).min(1, { error: message }), { error: message })
    .default(() => [...fallback]);
}

export const positiveNumber = () => {
  const message = "expected a positive number";
  return z.number({ error: message }).positive({ error: message });
};

export const seconds = (fallback: number) => positiveNumber().default(fallback);
