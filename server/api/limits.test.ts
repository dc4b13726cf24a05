import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { resetConfigForTests } from "@/server/config";
import { type ApiFixture, createApiFixture } from "@/test/api-fixture";
import { setupTestDatabase } from "@/test/db";
import { callProcedure, TEST_ORIGIN } from "@/test/trpc-http";
import { handleTrpcRequest, TRPC_ENDPOINT } from "./handler";

/**
 * What one call may send: the JSON fields' limits follow the configuration, nesting is refused
 * with the limit rather than a stack overflow, and the whole request is bounded before tRPC
 * parses it, whatever its Content-Length says.
 */

const pg = setupTestDatabase();
let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await createApiFixture(pg);
});
afterAll(() => fixture.close());
afterEach(() => {
  vi.unstubAllEnvs();
  resetConfigForTests();
});

const taskCount = async () =>
  (await pg.db.execute<{ n: number }>(sql`select count(*)::int as n from tasks`))[0]?.n;

function submit(body: BodyInit, extraHeaders: Record<string, string> = {}) {
  const url = new URL(`${TRPC_ENDPOINT}/tasks.submit`, TEST_ORIGIN);
  return handleTrpcRequest(
    pg.db,
    new Request(url, {
      method: "POST",
      headers: {
        host: url.host,
        authorization: `Bearer ${fixture.tokens.admin}`,
        "content-type": "application/json",
        ...extraHeaders,
      },
      body,
      // Node's fetch needs this for a streamed body.
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit),
  );
}

/** A JSON body of `size` bytes that would be a valid submission if it were accepted. */
const bodyOf = (size: number) => {
  const prefix = '{"name":"big","payload":{"pad":"';
  const suffix = '"}}';
  return prefix + "x".repeat(size - prefix.length - suffix.length) + suffix;
};

it("refuses a body over task_manager.limits.request_bytes with 413 and writes nothing", async () => {
  vi.stubEnv("TM_LIMIT_REQUEST_BYTES", "4096");
  resetConfigForTests();
  const before = await taskCount();
  const response = await submit(bodyOf(5000));
  expect(response.status).toBe(413);
  const body = (await response.json()) as { error: { message: string; data: { code: string } } };
  expect(body.error.data.code).toBe("PAYLOAD_TOO_LARGE");
  expect(body.error.message).toMatch(/task_manager\.limits\.request_bytes/);
  expect(await taskCount()).toBe(before);
});

it("counts a streamed body as it arrives: no Content-Length to trust", async () => {
  vi.stubEnv("TM_LIMIT_REQUEST_BYTES", "4096");
  resetConfigForTests();
  const chunk = new TextEncoder().encode(bodyOf(5000));
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      // An endless body: without a counter the handler would read forever.
      pulls++;
      controller.enqueue(pulls === 1 ? chunk : new TextEncoder().encode("x".repeat(1024)));
    },
  });
  const response = await submit(stream);
  expect(response.status).toBe(413);
});

it("accepts a body within the limit", async () => {
  vi.stubEnv("TM_LIMIT_REQUEST_BYTES", "4096");
  resetConfigForTests();
  const response = await submit(bodyOf(3000));
  expect(response.status).toBe(200);
});

it("refuses an over-long URL with 414 instead of parsing it", async () => {
  const url = new URL(`${TRPC_ENDPOINT}/tasks.list`, TEST_ORIGIN);
  url.searchParams.set("input", JSON.stringify({ text: "x".repeat(70_000) }));
  const response = await handleTrpcRequest(
    pg.db,
    new Request(url, {
      headers: { host: url.host, authorization: `Bearer ${fixture.tokens.admin}` },
    }),
  );
  expect(response.status).toBe(414);
});

it("bounds a JSON field as the configuration says (TM_LIMIT_PAYLOAD_BYTES)", async () => {
  vi.stubEnv("TM_LIMIT_PAYLOAD_BYTES", "100");
  resetConfigForTests();
  const submit = (payload: unknown) =>
    callProcedure(pg.db, {
      path: "tasks.submit",
      type: "mutation",
      input: { name: "limit", payload },
      token: fixture.tokens.orchestrator,
    });
  // {"s":"…"} is 8 bytes around the string: 92 characters make exactly 100 bytes.
  expect((await submit({ s: "x".repeat(92) })).status).toBe(200);
  const refused = await submit({ s: "x".repeat(93) });
  expect(refused.status).toBe(400);
  expect(refused.body.error?.message).toContain("larger than 100 bytes of JSON");
});

it("refuses a body nested 100,000 deep with the limit, not a stack overflow", async () => {
  const depth = 100_000;
  const body = `{"name":"deep","payload":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  const url = new URL(`${TRPC_ENDPOINT}/tasks.submit`, TEST_ORIGIN);
  const response = await handleTrpcRequest(
    pg.db,
    new Request(url, {
      method: "POST",
      headers: {
        host: url.host,
        authorization: `Bearer ${fixture.tokens.orchestrator}`,
        "content-type": "application/json",
      },
      body,
    }),
  );
  const text = await response.text();
  expect(response.status).toBe(400);
  expect(text).toContain("nested deeper than 64 levels");
  expect(text).not.toContain("Maximum call stack size exceeded");
});
