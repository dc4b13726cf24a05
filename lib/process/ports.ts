import net from "node:net";
import { errnoCode } from "./errno";

/** Node-only, like pids.ts: the launcher, the embedded PostgreSQL and the tests pick ports. */

/**
 * Whether nothing listens on `host:port`, found by binding it ourselves. On Linux a listener
 * on 0.0.0.0 also makes 127.0.0.1 busy, so this sees those too.
 */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error) => {
      if (errnoCode(error) === "EADDRINUSE" || errnoCode(error) === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port the OS considers free right now. Someone may take it before we bind it, so a
 * caller that can retry on "address in use" should.
 */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the port the OS assigned"));
      });
    });
  });
}
