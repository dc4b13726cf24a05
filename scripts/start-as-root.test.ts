import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresRunAs } from "@/db/embedded/os-user";
import { canReach } from "@/db/embedded/reach";
import { type Launcher, startLauncher, waitForHealthy } from "@/e2e/fixtures/launcher";
import { stopLeftovers } from "@/e2e/fixtures/leftovers";
import { isProcessRunning, readPidFile } from "@/lib/process/pids";
import { findFreePort } from "@/lib/process/ports";
import { setupTestDatabase } from "@/test/db";
import { AS_DOCKER_ROOT } from "@/test/docker-root";
import { makePrivateClone, type PrivateClone } from "@/test/private-clone";
import { startTestServer } from "@/test/server";

/*
 * Root in a container's home folder is the most common first try of the project: a clone
 * under /root (0700), `npm install && npm start`. PostgreSQL then runs as the `postgres` user,
 * who cannot enter the clone, yet the data must stay in the clone's .data.
 */

const isRoot = process.getuid?.() === 0;
const NOT_ROOT =
  "start-as-root.test.ts skipped: the suite does not run as root, and only root runs PostgreSQL as another user";

describe("npm start as root, from a clone in a folder other users cannot enter", () => {
  const pg = setupTestDatabase();
  let clone: PrivateClone | undefined;
  const launchers: Launcher[] = [];

  beforeAll(async () => {
    if (!isRoot) return;
    // Builds this checkout (or finds its build current) as every test server does, so that
    // the clone starts on a copy of that build instead of building again.
    await (await startTestServer({ databaseUrl: pg.url })).stop();
    clone = await makePrivateClone();
  }, 900_000);

  afterAll(async () => {
    for (const launcher of launchers) launcher.kill("SIGTERM");
    await Promise.all(launchers.map((launcher) => launcher.exited));
    if (clone) {
      await stopLeftovers(path.join(clone.dir, ".data"));
      await clone.remove();
    }
  }, 180_000);

  it("starts there, data in the clone's .data, and again on the same data after kill -9", async (ctx) => {
    if (!isRoot) {
      process.stderr.write(`${NOT_ROOT}\n`);
      ctx.skip(NOT_ROOT);
    }
    if (!clone) throw new Error("no clone was made");
    const { dir, parent } = clone;
    const dataDir = path.join(dir, ".data");
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const token = `tm_admin_root_${randomBytes(16).toString("hex")}`;
    const launch = (bootstrapAdminToken?: string) => {
      const launcher = startLauncher({
        repoRoot: dir,
        // As root in a Docker container: no capability to pass folders other users cannot
        // enter, or to read the working directory of another user's process.
        wrapper: AS_DOCKER_ROOT,
        dataDir,
        port,
        bootstrapAdminToken,
        // TM_DATA_DIR empty counts as unset: the default, .data in the clone.
        env: { TM_DATA_DIR: "", NODE_ENV: "production" },
      });
      launchers.push(launcher);
      return launcher;
    };
    const pids = () => ({
      server: readPidFile(path.join(dataDir, "server.pid")),
      postgres: readPidFile(path.join(dataDir, "pg", "postmaster.pid")),
    });
    const me = async () =>
      (await fetch(`${url}/api/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } }))
        .status;

    // The premise: the user PostgreSQL runs as cannot reach the clone.
    expect(await canReach(await postgresRunAs(), dir)).toBe(false);

    const first = launch(token);
    await waitForHealthy(first, url);
    expect(await me()).toBe(200);
    expect((await stat(path.join(dataDir, "pg", "PG_VERSION"))).isFile()).toBe(true);
    // Nothing was opened up to get there.
    expect((await stat(parent)).mode & 0o777).toBe(0o700);

    const orphans = pids();
    first.kill("SIGKILL");
    await first.exited;
    expect(isProcessRunning(orphans.postgres ?? -1), "orphaned PostgreSQL").toBe(true);

    // No bootstrap secret now: had the data been lost, our token would be refused.
    const second = launch();
    await waitForHealthy(second, url, {
      also: () => {
        const server = pids().server;
        return server !== undefined && server !== orphans.server;
      },
    });
    expect(await me()).toBe(200);
    expect(second.output()).not.toContain("an admin token was created");
    expect(isProcessRunning(orphans.postgres ?? -1), "old PostgreSQL").toBe(false);

    const current = pids();
    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(isProcessRunning(current.postgres ?? -1), "PostgreSQL after SIGTERM").toBe(false);
    expect((await stat(parent)).mode & 0o777).toBe(0o700);
  }, 900_000);
});
