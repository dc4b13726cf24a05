import { randomUUID } from "node:crypto";
import fc from "fast-check";
import type { z } from "zod";

/**
 * Hostile values for the property test (server/api/hostile-input.test.ts), as JSON text, and
 * where in an input to put them.
 */

// ---------------------------------------------------------------------------------------------
// Hostile values, as JSON text: some (100,000-deep nesting) cannot go through JSON.stringify.

export const json = (value: unknown) => JSON.stringify(value);
const base64url = (value: unknown) => Buffer.from(json(value)).toString("base64url");
const deep = (levels: number, open: string, close: string, leaf = "1") =>
  open.repeat(levels) + leaf + close.repeat(levels);
const manyKeys = (count: number) =>
  `{${Array.from({ length: count }, (_, i) => `"k${i}":1`).join(",")}}`;

const FIXED: string[] = [
  // NUL and lone surrogates, in values and in keys
  json("\u0000"),
  json("a\u0000b"),
  '"a\\ud800b"',
  '"\\udfff"',
  '{"\\u0000":1}',
  '{"a":{"\\ud800":"x"}}',
  '["x","\\u0000"]',
  '{"a":["\\ud83d"]}',
  // numbers out of every range
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "1e308",
  "-1e308",
  "1e400",
  "-0",
  "0.5",
  "-1",
  "123456789012345678901234567890",
  // NaN-like strings, empty strings
  json("NaN"),
  json("Infinity"),
  json("-Infinity"),
  json("1e999"),
  json(""),
  json("   "),
  // wrong types
  "null",
  "true",
  "{}",
  "[]",
  "[null]",
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  // nesting and size
  deep(100_000, "[", "]"),
  deep(10_000, '{"a":', "}"),
  deep(65, "[", "]"),
  `[${'"x",'.repeat(200_000)}"x"]`,
  manyKeys(100_000),
  json("x".repeat(2_000_000)),
  json("😀".repeat(20_000)),
  // dates PostgreSQL cannot store, or that are not dates
  json("0000-01-01T00:00:00Z"),
  json("10000-01-01T00:00:00Z"),
  json("+275760-09-13T00:00:00Z"),
  json("-000001-01-01T00:00:00Z"),
  json("2024-02-30T00:00:00Z"),
  json("2024-01-01T24:00:00Z"),
  json("2024-01-01T00:00:00+25:00"),
  // ids and cursors
  json("00000000-0000-0000-0000-000000000000"),
  json("ffffffff-ffff-ffff-ffff-ffffffffffff"),
  json("' or 1=1 --"),
  json("not-a-uuid"),
  json(base64url({ at: "0000-01-01T00:00:00.000000Z", id: randomUUID() })),
  json(base64url({ at: "2024-13-45T99:99:99.000000Z", id: randomUUID() })),
  json(base64url({ at: "2024-02-30T00:00:00.000000Z", id: randomUUID() })),
  json(base64url("[[[[")),
  json("!!!!"),
  json("9".repeat(40)),
];

const loneSurrogate = fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff");
export const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIXED) },
  fc.string().map((s) => json(`${s}\u0000${s}`)),
  fc.tuple(fc.string(), loneSurrogate).map(([s, lone]) => json(s + lone)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => json({ "a\u0000": v })),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), loneSurrogate).map(([v, lone]) => json([v, lone])),
  fc.double().map((n) => (Number.isFinite(n) ? String(n) : json(String(n)))),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer({ min: 1, max: 5 }).map((n) => `1e${300 + n * 20}`),
  fc.jsonValue({ maxDepth: 4 }).map(json),
);

// ---------------------------------------------------------------------------------------------
// Where to put them: every field of the input schema, a level into arrays and unions.

export type Path = (string | number)[];

/** Field paths of a zod input schema (zod 4 internals, read only). */
export function pathsOf(schema: z.core.$ZodType | undefined, prefix: Path = [], depth = 0): Path[] {
  if (!schema || depth > 3) return [];
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return pathsOf(def.innerType as z.core.$ZodType, prefix, depth);
    case "pipe":
      return pathsOf(def.out as z.core.$ZodType, prefix, depth);
    case "union":
      return (def.options as z.core.$ZodType[]).flatMap((o) => pathsOf(o, prefix, depth));
    case "array":
      return [
        [...prefix, 0],
        ...pathsOf(def.element as z.core.$ZodType, [...prefix, 0], depth + 1),
      ];
    case "object":
      return Object.entries(def.shape as Record<string, z.core.$ZodType>).flatMap(([key, s]) => [
        [...prefix, key],
        ...pathsOf(s, [...prefix, key], depth + 1),
      ]);
    default:
      return [];
  }
}

const SENTINEL = "\u0001hostile\u0001";

/** The base input as JSON text with `value` (JSON text) at `path`. */
export function inject(base: unknown, path: Path, value: string): string {
  if (path.length === 0) return value;
  const root: unknown = structuredClone(base ?? {});
  let target = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== "object" || next === null) target[key] = typeof key === "number" ? [] : {};
    target = target[key] as Record<string | number, unknown>;
  }
  target[path.at(-1) as string | number] = SENTINEL;
  // A function: a string replacement would read `$&` and the like in the value.
  return json(root).replace(json(SENTINEL), () => value);
}
