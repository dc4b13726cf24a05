import { describe, expect, it } from "vitest";
import { requestBaseUrl } from "./base-url";

const headers = (values: Record<string, string>) => ({
  get: (name: string) => values[name] ?? null,
});

describe("the base URL snippets are given", () => {
  it("is the Host the browser used", () => {
    expect(requestBaseUrl(headers({ host: "127.0.0.1:3150" }))).toBe("http://127.0.0.1:3150");
    expect(requestBaseUrl(headers({ host: "[::1]:3000" }))).toBe("http://[::1]:3000");
  });

  it("behind a proxy, the forwarded host and scheme (the client's, first in the list)", () => {
    expect(
      requestBaseUrl(
        headers({
          host: "127.0.0.1:3000",
          "x-forwarded-host": "tm.example.com, proxy.internal",
          "x-forwarded-proto": "https, http",
        }),
      ),
    ).toBe("https://tm.example.com");
  });

  it("never echoes a header that is no plain host", () => {
    const fallback = "http://127.0.0.1:3000";
    expect(requestBaseUrl(headers({ host: "evil.com/'; rm -rf ~" }))).toBe(fallback);
    expect(requestBaseUrl(headers({ host: "a.com", "x-forwarded-proto": "javascript" }))).toBe(
      "http://a.com",
    );
    expect(requestBaseUrl(headers({}))).toBe(fallback);
  });
});
