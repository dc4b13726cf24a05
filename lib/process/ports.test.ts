import net from "node:net";
import { describe, expect, it } from "vitest";
import { findFreePort, isPortFree } from "./ports";

describe("findFreePort", () => {
  it("picks a free port below the ephemeral range, which outgoing connections never take", async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_768);
    expect(await isPortFree(port)).toBe(true);
  });

  it("does not pick a port something listens on", async () => {
    const busy = net.createServer();
    const port = await findFreePort();
    await new Promise<void>((resolve) => busy.listen({ port, host: "127.0.0.1" }, resolve));
    try {
      expect(await isPortFree(port)).toBe(false);
      expect(await findFreePort()).not.toBe(port);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
