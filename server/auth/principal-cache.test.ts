import { describe, expect, it } from "vitest";
import {
  cachedPrincipal,
  forgetTokenHash,
  forgetTokenId,
  PRINCIPAL_CACHE_ENTRIES,
  PRINCIPAL_CACHE_MS,
  rememberPrincipal,
} from "./principal-cache";
import type { Principal } from "./roles";

const principal = (tokenId: string): Principal => ({
  tokenId,
  tokenName: `token ${tokenId}`,
  role: "agent",
  via: "bearer",
});

describe("the principal cache", () => {
  it("stands in for a lookup for PRINCIPAL_CACHE_MS, then not", () => {
    rememberPrincipal("hash-a", principal("a"), 1_000);
    expect(cachedPrincipal("hash-a", 1_000 + PRINCIPAL_CACHE_MS - 1)?.tokenId).toBe("a");
    expect(cachedPrincipal("hash-a", 1_000 + PRINCIPAL_CACHE_MS)).toBeUndefined();
    // Gone, not just stale: an earlier clock does not bring it back.
    expect(cachedPrincipal("hash-a", 1_000)).toBeUndefined();
  });

  it("forgets a token by hash (a failed lookup) and by id (a revocation here)", () => {
    rememberPrincipal("hash-b", principal("b"), 0);
    rememberPrincipal("hash-c", principal("c"), 0);
    forgetTokenHash("hash-b");
    forgetTokenId("c");
    expect(cachedPrincipal("hash-b", 0)).toBeUndefined();
    expect(cachedPrincipal("hash-c", 0)).toBeUndefined();
  });

  it("holds at most PRINCIPAL_CACHE_ENTRIES tokens, forgetting the least recently looked up", () => {
    rememberPrincipal("first", principal("first"), 0);
    rememberPrincipal("second", principal("second"), 0);
    // Looked up again: now the most recent.
    rememberPrincipal("first", principal("first"), 0);
    for (let i = 0; i < PRINCIPAL_CACHE_ENTRIES - 1; i++)
      rememberPrincipal(`filler-${i}`, principal(`filler-${i}`), 0);
    expect(cachedPrincipal("second", 0)).toBeUndefined();
    expect(cachedPrincipal("first", 0)?.tokenId).toBe("first");
  });
});
