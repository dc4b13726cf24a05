import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { startTestServer, type TestServer } from "@/test/server";
import { parseSseMessage, type SseMessage } from "@/test/sse-message";

/*
 * A real PostgreSQL stopped and started again under a running server (`npm start`'s launcher
 * on DATABASE_URL): while it is down every call answers 503 with Retry-After and nothing of
 * the failure's internals, one JSON log line per failed call; once it is back, the API is too.
 * How fast is the benchmark's business (`outage_fail_ms`, `outage_recovery_ms`).
 */

const repoRoot = path.resolve(import.meta.dirname, "..");
/** Guards only: no wait here is meant to come near it. */
const CALL_GUARD_MS = 10_000;
const RECOVERY_GUARD_MS = 60_000;
const POLL_MS = 100;

let dataDir: string;
let postgres: EmbeddedPostgres | undefined;
let server: TestServer | undefined;

function startPostgres(port?: number) {
  return startEmbeddedPostgres({ dataDir, persistent: true, database: "task_manager", port });
}

beforeAll(async () => {
  await mkdir(path.join(repoRoot, ".test-data"), { recursive: true });
  dataDir = await mkdtemp(path.join(repoRoot, ".test-data", "outage-"));
  // mkdtemp makes it 0700; run as root, PostgreSQL runs as `postgres`, which must get in.
  await chmod(dataDir, 0o755);
  postgres = await startPostgres();
  await migrateDatabase(postgres.url);
  server = await startTestServer({ databaseUrl: postgres.url });
}, 900_000);

afterAll(async () => {
  await server?.stop();
  await postgres?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 120_000);

function running(): { server: TestServer; postgres: EmbeddedPostgres } {
  if (!server || !postgres) throw new Error("beforeAll did not start the server");
  return { server, postgres };
}

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

async function send(pathAndQuery: string, init: RequestInit = {}): Promise<Answer> {
  const { server } = running();
  const headers = new Headers(init.headers);
  if (pathAndQuery.startsWith("/api/trpc/")) {
    headers.set("authorization", `Bearer ${server.adminToken}`);
  }
  const response = await fetch(`${server.url}${pathAndQuery}`, {
    ...init,
    headers,
    signal: AbortSignal.timeout(CALL_GUARD_MS),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    text: await response.text(),
  };
}

const listTasks = () =>
  send(`/api/trpc/tasks.list?input=${encodeURIComponent(JSON.stringify({ limit: 5 }))}`);
const submitTask = () =>
  send("/api/trpc/tasks.submit", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "outage test", type: "outage-test" }),
  });
const health = () => send("/api/health");

/** Reads an events.stream until its first tRPC error event; the stream then ends. */
async function streamError(): Promise<{ status: number; error: SseMessage | undefined }> {
  const { server } = running();
  const response = await fetch(`${server.url}/api/trpc/events.stream`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
    signal: AbortSignal.timeout(CALL_GUARD_MS),
  });
  const text = await response.text();
  const messages = text.split("\n\n").map(parseSseMessage);
  return {
    status: response.status,
    error: messages.find((message) => message?.event === "serialized-error") ?? undefined,
  };
}

function expectNoInternals(text: string) {
  expect(text).not.toMatch(
    /select |insert |Failed query|params:|"stack"|\.ts:\d+|ECONNREFUSED|57P01|administrator|127\.0\.0\.1/i,
  );
  expect(text).not.toContain(running().server.adminToken);
}

function errorIdOf(answer: Answer): string {
  const body = JSON.parse(answer.text) as { error?: { data?: { errorId?: string } } };
  const errorId = body.error?.data?.errorId;
  if (!errorId) throw new Error(`no errorId in ${answer.text}`);
  return errorId;
}

/** Polls until `check` holds (another process's state: there is no event to await). */
async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + RECOVERY_GUARD_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${RECOVERY_GUARD_MS} ms`);
    await delay(POLL_MS);
  }
}

it("answers 503 with Retry-After while PostgreSQL is down, and recovers when it is back", async () => {
  const { server, postgres: first } = running();
  // Warm: the pool holds open connections, which the shutdown terminates.
  expect((await listTasks()).status).toBe(200);
  expect((await submitTask()).status).toBe(200);

  const outputBefore = server.output().length;
  await first.stop();
  const during: Answer[] = [];
  // Twice: the first calls meet the failing connections, the later ones the open circuit.
  for (let round = 0; round < 2; round++) {
    const answers = [await listTasks(), await submitTask()];
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(503);
      expect(answer.retryAfter).toBe("1");
      expect(JSON.parse(answer.text)).toMatchObject({
        error: { data: { code: "SERVICE_UNAVAILABLE" } },
      });
      expectNoInternals(answer.text);
    }
    during.push(...answers);
    const healthAnswer = await health();
    expect(healthAnswer.status).toBe(503);
    expect(healthAnswer.retryAfter).toBe("1");
    expect(JSON.parse(healthAnswer.text)).toEqual({
      status: "degraded",
      database: { reachable: false },
    });
  }
  // The live stream ends with a retryable error (its clients reconnect), and nothing more.
  const stream = await streamError();
  expect(stream.status).toBe(200);
  expect(JSON.parse(stream.error?.data ?? "null")).toMatchObject({
    data: { code: "SERVICE_UNAVAILABLE" },
  });
  expectNoInternals(stream.error?.data ?? "");
  // The browser's sign-in form too: a 503 to retry, not Next's empty 500.
  const signIn = await send("/api/auth/sign-in", {
    method: "POST",
    headers: { origin: server.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: server.adminToken, next: "/" }).toString(),
  });
  expect(signIn.status, signIn.text).toBe(503);
  expect(signIn.retryAfter).toBe("1");
  expectNoInternals(signIn.text);

  postgres = await startPostgres(first.port);
  await until("the API answers again", async () => (await listTasks()).status === 200);
  await until("health is ok again", async () => (await health()).status === 200);
  expect((await submitTask()).status).toBe(200);
  expect(JSON.parse((await health()).text)).toEqual({
    status: "ok",
    database: { reachable: true },
  });

  // One JSON line per failed call, under the id its answer carried, without internals.
  const printed = server.output().slice(outputBefore);
  const lines = printed
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const answer of during) {
    const errorId = errorIdOf(answer);
    const logged = lines.filter((line) => line.errorId === errorId);
    expect(logged, errorId).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: "warn", code: "SERVICE_UNAVAILABLE" });
  }
  // Nothing the server printed during the outage carries a statement, parameters or a secret.
  expect(printed).not.toMatch(/Failed query|params:|select /i);
  expect(printed).not.toContain(server.adminToken);
}, 180_000);
