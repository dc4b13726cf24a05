import { type ChildProcessByStdio, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { isProcessRunning, readPidFile, terminateProcess } from "../lib/process/pids";
import { AS_DOCKER_ROOT } from "../test/docker-root";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded";
import { postgresRunAs } from "./embedded/os-user";
import { canReach } from "./embedded/reach";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixture = path.join(repoRoot, "test", "fixtures", "run-embedded.ts");

type Fixture = ChildProcessByStdio<null, Readable, null>;

// Everything a test started, undone after it whatever happened: servers, fixture processes,
// orphaned postmasters (found through their pid file), data directories.
const servers: EmbeddedPostgres[] = [];
const fixtures: Fixture[] = [];
const dataDirs: string[] = [];

afterEach(async () => {
  for (const child of fixtures.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  for (const dir of dataDirs.splice(0)) {
    const orphan = readPidFile(path.join(dir, "pg", "postmaster.pid"));
    if (orphan !== undefined && isProcessRunning(orphan)) {
      await terminateProcess(orphan, [
        { signal: "SIGINT", waitMs: 30_000 },
        { signal: "SIGKILL", waitMs: 5_000 },
      ]);
    }
    await rm(dir, { recursive: true, force: true });
  }
});

async function newDataDir(): Promise<string> {
  const parent = path.join(repoRoot, ".test-data");
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, "embedded-"));
  // Under root the cluster belongs to the `postgres` user: letting it in keeps these tests on
  // the usual way of naming the cluster (the private-folder way has a test of its own).
  await chmod(dir, 0o755);
  dataDirs.push(dir);
  return dir;
}

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, persistent: true });
  servers.push(server);
  return server;
}

async function stop(server: EmbeddedPostgres): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

/**
 * Runs the fixture (a stand-in launcher) and resolves once it reports its server ready.
 * `wrapper`: a command (and its arguments) to run it under.
 */
async function startFixture(
  dataDir: string,
  wrapper: string[] = [],
): Promise<{ child: Fixture; url: string; port: number }> {
  const command = [...wrapper, process.execPath, "--import", "tsx", fixture, dataDir];
  const [file = "", ...args] = command;
  const child = spawn(file, args, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  fixtures.push(child);
  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const message: unknown = line.startsWith("{") ? JSON.parse(line) : undefined;
      if (message && typeof message === "object" && "url" in message && "port" in message) {
        resolve({ url: String(message.url), port: Number(message.port) });
      }
    });
    child.once("exit", (code, signal) => {
      reject(new Error(`fixture exited before it was ready (${signal ?? `code ${code}`})`));
    });
  });
  return { child, ...ready };
}

async function query<T extends object>(url: string, run: (sql: postgres.Sql) => Promise<T[]>) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

function rememberedPort(dataDir: string): number {
  return (JSON.parse(readFileSync(path.join(dataDir, "pg.json"), "utf8")) as { port: number }).port;
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1" }, () => resolve(server));
  });
}

describe("startEmbeddedPostgres (persistent)", () => {
  it("takes over the cluster of a launcher killed with -9, data intact", async () => {
    const dataDir = await newDataDir();
    const first = await startFixture(dataDir);
    await query(first.url, (sql) => sql`create table survivor (note text)`);
    await query(first.url, (sql) => sql`insert into survivor values ('written before kill -9')`);

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    // The premise: PostgreSQL outlived its launcher and still holds the data directory.
    const orphan = readPidFile(path.join(dataDir, "pg", "postmaster.pid"));
    expect(orphan).toBeDefined();
    expect(isProcessRunning(orphan ?? -1)).toBe(true);

    const second = await start(dataDir);

    expect(isProcessRunning(orphan ?? -1)).toBe(false);
    const rows = await query(
      second.url,
      (sql) => sql<{ note: string }[]>`select note from survivor`,
    );
    expect(rows.map((row) => row.note)).toEqual(["written before kill -9"]);
    expect(second.port).toBe(first.port);
  });

  it("moves to a free port, and remembers it, when the remembered one is taken", async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);
    await query(first.url, (sql) => sql`create table survivor (note text)`);
    await query(first.url, (sql) => sql`insert into survivor values ('same cluster')`);
    await stop(first);
    const blocker = await listenOn(first.port);
    try {
      const second = await start(dataDir);

      expect(second.port).not.toBe(first.port);
      expect(rememberedPort(dataDir)).toBe(second.port);
      const rows = await query(
        second.url,
        (sql) => sql<{ note: string }[]>`select note from survivor`,
      );
      expect(rows.map((row) => row.note)).toEqual(["same cluster"]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

const isRoot = process.getuid?.() === 0;
const NOT_ROOT =
  "skipped: the suite does not run as root, and only root runs PostgreSQL as another user";

describe("startEmbeddedPostgres as root, in a folder the postgres user cannot enter", () => {
  it("keeps the cluster there, and takes it over after kill -9", async (ctx) => {
    if (!isRoot) {
      process.stderr.write(`db/embedded.test.ts: a test ${NOT_ROOT}\n`);
      ctx.skip(NOT_ROOT);
    }
    // As `mktemp -d` or /root: 0700, root's.
    const privateDir = await newDataDir();
    await chmod(privateDir, 0o700);
    const dataDir = path.join(privateDir, "data");
    // Cleaned first: its orphaned postmaster, before the folder around it goes.
    dataDirs.unshift(dataDir);
    expect(await canReach(await postgresRunAs(), privateDir)).toBe(false);

    const first = await startFixture(dataDir);
    await query(first.url, (sql) => sql`create table survivor (note text)`);
    await query(first.url, (sql) => sql`insert into survivor values ('private folder')`);
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    const orphan = readPidFile(path.join(dataDir, "pg", "postmaster.pid"));
    expect(isProcessRunning(orphan ?? -1)).toBe(true);

    // As root in Docker: without CAP_SYS_PTRACE the orphan's working directory cannot be read
    // to recognise it.
    const second = await startFixture(dataDir, AS_DOCKER_ROOT);

    expect(isProcessRunning(orphan ?? -1)).toBe(false);
    const rows = await query(
      second.url,
      (sql) => sql<{ note: string }[]>`select note from survivor`,
    );
    expect(rows.map((row) => row.note)).toEqual(["private folder"]);
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
  });
});
