import path from "node:path";
import { type APIRequestContext, expect, test } from "@playwright/test";
import { isProcessRunning, readPidFile } from "../lib/process/pids";
import { RESTART_ADMIN_TOKEN } from "./fixtures/admin-token";
import { waitForHealthy } from "./fixtures/launcher";
import { ownLaunchers } from "./fixtures/own-launcher";

// A second launcher beside the web server's, with its own port and data directory, so that
// killing it cannot disturb the other specs.
const { dataDir, baseURL, launch } = ownLaunchers("e2e-restart", 1);

function pids() {
  return {
    server: readPidFile(path.join(dataDir, "server.pid")),
    postgres: readPidFile(path.join(dataDir, "pg", "postmaster.pid")),
  };
}

/** Expects the process a pid file named to run (or not); a missing pid fails either way. */
function expectRunning(pid: number | undefined, what: string, running: boolean) {
  expect(pid, `${what}: its pid file names no pid`).toBeGreaterThan(0);
  expect(isProcessRunning(pid ?? 0), what).toBe(running);
}

async function me(request: APIRequestContext, token: string) {
  return request.get(`${baseURL}/api/trpc/auth.me`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

test("after kill -9 of the launcher, a new start takes over with the same data", async ({
  request,
}) => {
  test.setTimeout(600_000);

  const first = launch(RESTART_ADMIN_TOKEN);
  await waitForHealthy(first, baseURL);
  expect((await me(request, RESTART_ADMIN_TOKEN)).status()).toBe(200);
  const orphans = pids();

  first.kill("SIGKILL");
  await first.exited;
  // The premise: Next and PostgreSQL outlive a launcher killed with -9.
  expectRunning(orphans.server, "orphaned Next server", true);
  expectRunning(orphans.postgres, "orphaned PostgreSQL", true);

  // No bootstrap secret this time: had the data been lost, a random admin token would be
  // minted and the old one would be refused.
  const second = launch();
  // Until the new launcher has replaced it, the orphaned server still answers on the port:
  // only a health answer after the pid file names a new server counts.
  await waitForHealthy(second, baseURL, {
    also: () => {
      const server = pids().server;
      return server !== undefined && server !== orphans.server;
    },
  });

  const health = await request.get(`${baseURL}/api/health`);
  expect(await health.json()).toMatchObject({ status: "ok", database: { reachable: true } });
  expect((await me(request, RESTART_ADMIN_TOKEN)).status()).toBe(200);
  expect(second.output()).not.toContain("an admin token was created");
  expectRunning(orphans.server, "old Next server", false);
  expectRunning(orphans.postgres, "old PostgreSQL", false);

  // And a plain SIGTERM stops everything, cleanly.
  const current = pids();
  second.kill("SIGTERM");
  expect(await second.exited).toBe(0);
  expectRunning(current.server, "Next server after SIGTERM", false);
  expectRunning(current.postgres, "PostgreSQL after SIGTERM", false);
});
