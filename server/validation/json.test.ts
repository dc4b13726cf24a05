import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonLimits, jsonProblem, jsonValue } from "./json";

const limits = (maxBytes: number, maxDepth = 64): JsonLimits => ({
  maxBytes: () => maxBytes,
  maxDepth: () => maxDepth,
  bytesKey: "bytes_key",
  depthKey: "depth_key",
});

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
  return value;
}

describe("jsonProblem", () => {
  it("accepts exactly the bytes of the JSON encoding, and one byte more is too many", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const bytes = Buffer.byteLength(JSON.stringify(value));
        expect(jsonProblem(value, limits(bytes))).toBeNull();
        expect(jsonProblem(value, limits(bytes - 1))?.message).toMatch(
          `larger than ${bytes - 1} bytes of JSON (the limit, bytes_key)`,
        );
      }),
    );
  });

  it("stops at the depth limit without overflowing the stack, whatever the nesting", () => {
    expect(jsonProblem(nested(64), limits(1e9))).toBeNull();
    const issue = jsonProblem(nested(1_000_000), limits(1e9));
    expect(issue?.message).toBe("nested deeper than 64 levels (the limit, depth_key)");
    expect(issue?.path).toHaveLength(64);
  });

  it("names the path of a NUL or a lone surrogate, in a string or a key", () => {
    expect(jsonProblem({ a: [1, "x\u0000"] }, limits(1e6))).toEqual({
      path: ["a", 1],
      message: "must not contain the NUL character (U+0000)",
    });
    expect(jsonProblem({ a: { "\ud800": 1 } }, limits(1e6))).toEqual({
      path: ["a", "\ud800"],
      message: "key must be valid Unicode (it has a lone surrogate)",
    });
    expect(jsonProblem(["\udc00x"], limits(1e6))?.path).toEqual([0]);
    // A whole pair is a character, not a lone surrogate.
    expect(jsonProblem(["😀"], limits(1e6))).toBeNull();
  });

  it("refuses what JSON cannot carry: non-finite numbers, undefined, class instances", () => {
    expect(jsonProblem({ n: Number.POSITIVE_INFINITY }, limits(1e6))?.message).toBe(
      "expected a finite number",
    );
    expect(jsonProblem([undefined], limits(1e6))?.message).toBe("expected a JSON value");
    expect(jsonProblem({ d: new Date() }, limits(1e6))?.message).toBe("expected a JSON value");
  });

  it("stops walking a huge container at the size limit", () => {
    const huge = Array.from({ length: 1_000_000 }, () => 0);
    expect(jsonProblem(huge, limits(1000))?.message).toContain("larger than 1000 bytes");
  });
});

describe("jsonValue", () => {
  it("reports the problem at the path inside the field", () => {
    const result = jsonValue(limits(1e6)).safeParse({ list: ["ok", "\u0000"] });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["list", 1], message: expect.stringContaining("U+0000") }),
    ]);
  });

  it("reads its limits at each parse", () => {
    let max = 10;
    const schema = jsonValue({ ...limits(0), maxBytes: () => max });
    expect(schema.safeParse("x".repeat(20)).success).toBe(false);
    max = 100;
    expect(schema.safeParse("x".repeat(20)).success).toBe(true);
  });
});
