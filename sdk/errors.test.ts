import { describe, expect, it } from "vitest";
import { serializeError } from "./errors";

describe("serializeError", () => {
  it("makes an error the server can store: no NUL, no lone surrogate, bounded", () => {
    const error = new Error(`tool said: \u0000\ud800 ${"x".repeat(100_000)}`);
    const serialized = serializeError(error);
    expect(serialized.message).not.toContain("\u0000");
    expect(serialized.message).not.toMatch(/[\uD800-\uDFFF]/);
    expect(serialized.message.startsWith("tool said: \uFFFD\uFFFD ")).toBe(true);
    expect(serialized.message.length).toBeLessThanOrEqual(16_001);
    // JSON escapes the NUL itself: six plain characters, which the server stores.
    expect(serializeError({ odd: "\u0000" }).message).toBe('{"odd":"\\u0000"}');
  });

  it("replaces the half of a surrogate pair a cut leaves", () => {
    const message = `${"x".repeat(15_999)}😀`;
    expect(serializeError(new Error(message)).message).toBe(`${"x".repeat(15_999)}\uFFFD…`);
  });
});
