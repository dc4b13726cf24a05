import { describe, expect, it } from "vitest";
import { cutUtf8, MAX_LINE_BYTES, shapeLine } from "./line";

describe("shapeLine", () => {
  it("keeps a line within the limit as sent, counting its bytes", () => {
    const line = shapeLine({ level: "info", message: "héllo", fields: { n: 1 } });
    expect(line).toEqual({
      level: "info",
      message: "héllo",
      fields: { n: 1 },
      fieldsJson: '{"n":1}',
      at: null,
      bytes: 13,
    });
  });

  it("drops large fields before cutting the message, and says both", () => {
    const fields = { blob: "x".repeat(10_000) };
    const line = shapeLine({ level: "warn", message: "m".repeat(10_000), fields });
    expect(line.fields).toBeNull();
    expect(line.message).toBe(`${"m".repeat(10_000)} … [line fields of 10011 bytes dropped]`);
    const long = shapeLine({ level: "warn", message: "m".repeat(20_000), fields });
    expect(long.message).toMatch(
      /^m+ … \[line cut: \d+ more bytes, fields of 10011 bytes dropped\]$/,
    );
    expect(long.bytes).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });

  it("keeps small fields and cuts the message around them", () => {
    const line = shapeLine({ level: "error", message: "e".repeat(20_000), fields: { code: 7 } });
    expect(line.fields).toEqual({ code: 7 });
    expect(line.bytes).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });
});

describe("cutUtf8", () => {
  it("never splits a character", () => {
    expect(cutUtf8("aé🎉", 4)).toBe("aé");
    expect(cutUtf8("aé🎉", 7)).toBe("aé🎉");
    expect(cutUtf8("🎉", 3)).toBe("");
  });
});
