import { describe, expect, it } from "vitest";
import { isSameOrigin } from "@/server/auth/request";

/** A request as Next hands it to a route: its URL may name localhost whatever the browser used. */
function check(origin: string | null, extra: Record<string, string> = {}) {
  const headers = new Headers({ host: "127.0.0.1:4200", ...extra });
  if (origin !== null) headers.set("origin", origin);
  return isSameOrigin(headers, "http://localhost:4200/api/auth/sign-in");
}

describe("isSameOrigin", () => {
  it("accepts the origin the browser used: scheme, host and port of the Host header", () => {
    expect(check("http://127.0.0.1:4200")).toBe(true);
    expect(check("http://127.0.0.1:4200", { "x-forwarded-proto": "http" })).toBe(true);
  });

  it("refuses another scheme on the same host and port", () => {
    expect(check("https://127.0.0.1:4200")).toBe(false);
    expect(check("https://127.0.0.1:4200", { "x-forwarded-proto": "http" })).toBe(false);
  });

  it("refuses another port or host", () => {
    expect(check("http://127.0.0.1:4201")).toBe(false);
    expect(check("http://127.0.0.1")).toBe(false);
    expect(check("http://localhost:4200")).toBe(false);
    expect(check("https://evil.example")).toBe(false);
  });

  it("refuses a missing, opaque or malformed Origin", () => {
    expect(check(null)).toBe(false);
    expect(check("null")).toBe(false);
    expect(check("not a url")).toBe(false);
  });

  it("behind a TLS proxy, takes the scheme from x-forwarded-proto", () => {
    const proxied = { host: "tasks.example.com", "x-forwarded-proto": "https" };
    expect(check("https://tasks.example.com", proxied)).toBe(true);
    expect(check("http://tasks.example.com", proxied)).toBe(false);
    // The proxy's list, first hop first.
    expect(
      check("https://tasks.example.com", { ...proxied, "x-forwarded-proto": "https, http" }),
    ).toBe(true);
  });

  it("normalises default ports", () => {
    expect(
      check("https://tasks.example.com", {
        host: "tasks.example.com:443",
        "x-forwarded-proto": "https",
      }),
    ).toBe(true);
  });
});
