import { describe, expect, it } from "vitest";
import { hasControlCharacter, safeNextPath } from "@/server/auth/next-path";

const OURS = "http://127.0.0.1:3000";

/** Where a browser goes when it follows `Location: <path>` from our origin. */
function landing(path: string): string {
  return new URL(path, OURS).origin;
}

describe("safeNextPath", () => {
  it("keeps a path on this site, with its query and fragment", () => {
    expect(safeNextPath("/")).toBe("/");
    expect(safeNextPath("/wall?layout=grid")).toBe("/wall?layout=grid");
    expect(safeNextPath("/tasks/abc?x=1#history")).toBe("/tasks/abc?x=1#history");
    expect(safeNextPath("/graph?workflow=a%20b")).toBe("/graph?workflow=a%20b");
  });

  it("falls back to / when there is nothing", () => {
    expect(safeNextPath(null)).toBe("/");
    expect(safeNextPath(undefined)).toBe("/");
    expect(safeNextPath("")).toBe("/");
  });

  it.each([
    // Decoded, this is "/\t/evil…": browsers strip the tab, leaving "//evil.example:4210/".
    ["a tab after the slash", decodeURIComponent("/%09/evil.example:4210/")],
    ["a tab", "/\tevil"],
    ["a CR/LF", "/\r\nset-cookie: x=1"],
    ["an LF", "/a\nb"],
    ["a NUL", "/a\u0000b"],
    ["a DEL", "/a\u007fb"],
    ["a protocol-relative URL", "//evil.example/"],
    ["a backslash after the slash", "/\\evil.example"],
    ["two backslashes", "\\\\evil.example"],
    ["an absolute URL", "https://evil.example/"],
    ["a scheme", "javascript:alert(1)"],
    ["a dot segment that collapses to //", "/.//evil.example"],
    ["a relative path", "tasks/1"],
  ])("refuses %s", (_, next) => {
    expect(safeNextPath(next)).toBe("/");
  });

  it("keeps encoded slashes encoded: still a path on this site", () => {
    const path = safeNextPath("/%2F%2Fevil.example");
    expect(path.startsWith("/%2F")).toBe(true);
    expect(landing(path)).toBe(OURS);
    // Undecoded, the tab trick is a harmless path too.
    expect(landing(safeNextPath("/%09/evil.example:4210/"))).toBe(OURS);
  });

  it("never returns something a browser would resolve to another origin", () => {
    const tries = ["/\t/evil", "/ /evil", "/\\/evil", "/..//evil", "/./\\evil", "/%5C%5Cevil"];
    for (const next of tries) expect(landing(safeNextPath(next))).toBe(OURS);
  });
});

describe("hasControlCharacter", () => {
  it("spots C0 controls and DEL, not ordinary text", () => {
    expect(hasControlCharacter("/a\rb")).toBe(true);
    expect(hasControlCharacter("/a\nb")).toBe(true);
    expect(hasControlCharacter("/a\tb")).toBe(true);
    expect(hasControlCharacter("/a\u007fb")).toBe(true);
    expect(hasControlCharacter("/tasks/é?q=a b")).toBe(false);
  });
});
