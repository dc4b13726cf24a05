import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { findFreePort } from "@/lib/process/ports";

/*
 * A start that cannot go on says so in one line on stderr: what is wrong and what to do. The
 * stack trace only with TM_DEBUG=1.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dirs: string[] = [];
const servers: net.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  const dir = await mkdtemp(path.join(repoRoot, ".test-data", "start-errors-"));
  dirs.push(dir);
  return dir;
}

/** Runs the start command to its end; resolves its exit code and what it wrote to stderr. */
async function start(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: String(await findFreePort()),
    ...env,
  };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  if (!env.TM_DEBUG) delete childEnv.TM_DEBUG;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

function expectOneLine(result: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(result.code).toBe(1);
  expect(result.stderr.endsWith("\n")).toBe(true);
  expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe("a start that fails prints one line", () => {
  it("when the port is taken", async () => {
    const blocker = net.createServer();
    servers.push(blocker);
    blocker.listen({ port: 0, host: "127.0.0.1" });
    await once(blocker, "listening");
    const port = (blocker.address() as net.AddressInfo).port;

    const result = await start({ TM_DATA_DIR: await tempDir(), PORT: String(port) });

    expectOneLine(result, new RegExp(`port ${port} on 127.0.0.1 is already in use.*set PORT`));
  });

  it("when the data directory cannot be made", async () => {
    const file = path.join(await tempDir(), "a-file");
    await writeFile(file, "");

    const result = await start({ TM_DATA_DIR: path.join(file, "data") });

    expectOneLine(result, /cannot create or write the data directory .*ENOTDIR.*set TM_DATA_DIR/);
  });

  it("when the embedded cluster's password file is gone", async () => {
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, "pg"));
    await writeFile(path.join(dataDir, "pg", "PG_VERSION"), "18\n");

    const result = await start({ TM_DATA_DIR: dataDir });

    expectOneLine(result, /pg\.json is missing.*restore the file, or remove/);
  });

  it("when DATABASE_URL leads nowhere, without printing the URL's password", async () => {
    const closedPort = await findFreePort();
    const result = await start({
      TM_DATA_DIR: await tempDir(),
      DATABASE_URL: `postgres://someone:s3cret-password@127.0.0.1:${closedPort}/tm`,
    });

    expectOneLine(result, /cannot use the database DATABASE_URL names \(connect ECONNREFUSED/);
    expect(result.stderr).not.toContain("s3cret-password");
  });

  it("and the stack below it with TM_DEBUG=1", async () => {
    const file = path.join(await tempDir(), "a-file");
    await writeFile(file, "");

    const result = await start({ TM_DATA_DIR: path.join(file, "data"), TM_DEBUG: "1" });

    expect(result.code).toBe(1);
    const [first, ...rest] = result.stderr.split("\n");
    expect(first).toMatch(/^cannot create or write the data directory/);
    expect(rest.some((line) => /^\s+at /.test(line))).toBe(true);
  });
});
