import { z } from "zod";

/**
 * `z.record(key, value)` with at most `maxKeys` keys, counted before any key or value is
 * looked at: a huge object is refused at once with one issue, not one issue per key, and never
 * reaches a query as thousands of bind parameters.
 */
export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  maxKeys: number,
) {
  const record = z.record(key, value);
  return z
    .custom<z.input<typeof record>>(
      (input) => !isObject(input) || Object.keys(input).length <= maxKeys,
      { message: `at most ${maxKeys} keys` },
    )
    .pipe(record);
}

function isObject(input: unknown): input is object {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}
