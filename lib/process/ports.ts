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
 * Below Linux's ephemeral range (32768–60999 by default), so no outgoing connection of any
 * process (a pool's to PostgreSQL, a test's to a server) can be given the port between our
 * check and the bind: a port the OS assigned from that range sometimes was, and the server
 * then failed with "address in use".
 */
const QUIET_PORTS = { from: 20_000, to: 32_767 };

/**
 * A port free right now, picked at random below the ephemeral range (the OS's own pick if 50
 * tries find none). Someone may still take it before we bind it, so a caller that can retry on
 * "address in use" should.
 */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = QUIET_PORTS.from + Math.floor(Math.random() * (QUIET_PORTS.to - QUIET_PORTS.from));
    if (await isPortFree(port, host)) return port;
  }
  return osAssignedPort(host);
}

function osAssignedPort(host: string): Promise<number> {
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
