import { describe, expect, it } from "vitest";
import { SERVER_MAX_OLD_SPACE_MB, serverNodeOptions } from "./heap-options";

const FLAG = `--max-old-space-size=${SERVER_MAX_OLD_SPACE_MB}`;

describe("serverNodeOptions", () => {
  it("caps the old space below V8's 2 GiB high-growth threshold on a large machine", () => {
    expect(SERVER_MAX_OLD_SPACE_MB).toBeLessThan(2048);
    expect(serverNodeOptions(undefined, 4144)).toBe(FLAG);
    expect(serverNodeOptions("", 4144)).toBe(FLAG);
  });

  it("keeps the options already given", () => {
    expect(serverNodeOptions("--require ./x.cjs", 4144)).toBe(`--require ./x.cjs ${FLAG}`);
  });

  it("leaves an operator's own heap size alone", () => {
    for (const given of [
      "--max-old-space-size=8192",
      "--require ./x.cjs --max_old_space_size=512",
      "--max-old-space-size 512",
    ]) {
      expect(serverNodeOptions(given, 4144)).toBe(given);
    }
  });

  it("never raises the limit of a small machine", () => {
    expect(serverNodeOptions(undefined, 1024)).toBeUndefined();
    expect(serverNodeOptions("--require ./x.cjs", 2000)).toBe("--require ./x.cjs");
  });
});
