import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "@/db/client";
import { handleTrpcRequest, TRPC_ENDPOINT } from "@/server/api/handler";
import { createToken } from "@/server/auth/tokens";
import { createDatabaseCircuit } from "@/server/database-circuit";
import { log, tapLogLines } from "@/server/log/logger";
import { setupTestDatabase } from "@/test/db";
import { TEST_ORIGIN } from "@/test/trpc-http";

const pg = setupTestDatabase();
let token: string;

beforeAll(async () => {
  token = (await createToken(pg.db, { name: "error responses", role: "admin" })).secret;
});

let lines: Record<string, unknown>[] = [];
let untap: (() => void) | undefined;
afterEach(() => {
  untap?.();
  lines = [];
});
function captureLogs() {
  untap = tapLogLines((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
}

interface ErrorBody {
  error?: {
    message: string;
    data: { code: string; httpStatus: number; errorId: string | null; zodError: unknown };
  };
}

async function call(
  db: Database,
  path: string,
  input: unknown,
  options: {
    circuit?: ReturnType<typeof createDatabaseCircuit>;
    token?: string;
    mutation?: boolean;
  } = {},
) {
  const url = new URL(`${TRPC_ENDPOINT}/${path}`, TEST_ORIGIN);
  const headers = new Headers({ authorization: `Bearer ${options.token ?? token}` });
  let init: RequestInit = { headers };
  if (options.mutation) {
    headers.set("content-type", "application/json");
    init = { method: "POST", headers, body: JSON.stringify(input) };
  } else if (input !== undefined) {
    url.searchParams.set("input", JSON.stringify(input));
  }
  const response = await handleTrpcRequest(db, new Request(url, init), options.circuit);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: JSON.parse(text) as ErrorBody,
  };
}

/** Nothing of the statement, its parameters, the stack or the driver's own words. */
function expectNoInternals(text: string, parameter?: string) {
  expect(text).not.toMatch(
    /select|from "|Failed query|params:|\bat \/|\.ts:\d+|ECONNREFUSED|127\.0\.0\.1/i,
  );
  if (parameter) expect(text).not.toContain(parameter);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("an unexpected error in a procedure", () => {
  it("answers 500 with a generic message and an error id; the log line has the detail under that id", async () => {
    // A missing table: the error drizzle throws carries the SQL and its parameters.
    await pg.sql`alter table tasks rename to tasks_elsewhere`;
    const id = randomUUID();
    captureLogs();
    try {
      const { status, body, text } = await call(pg.db, "tasks.get", { id });
      expect(status).toBe(500);
      expect(body.error?.data.code).toBe("INTERNAL_SERVER_ERROR");
      const errorId = body.error?.data.errorId;
      expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.error?.message).not.toContain("tasks");
      expectNoInternals(text, id);

      const logged = lines.filter((line) => line.errorId === errorId);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: "error", path: "tasks.get" });
      const logText = JSON.stringify(logged[0]);
      // The detail an operator needs: PostgreSQL's own message, and where it was thrown.
      expect(logText).toContain('relation \\"tasks\\" does not exist');
      expect(logText).toMatch(/\.ts:\d+/);
      // But not the statement's parameters, nor the statement itself.
      expect(logText).not.toContain(id);
      expect(logText).not.toMatch(/Failed query|params:|select /i);
    } finally {
      await pg.sql`alter table tasks_elsewhere rename to tasks`;
    }
  });
});

describe("deliberate errors keep their messages", () => {
  it("domain errors, zod issues and auth errors", async () => {
    const missing = await call(pg.db, "tasks.get", { id: randomUUID() });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toMatch(/not found/);
    expect(missing.body.error?.data.errorId).toBeNull();

    const invalid = await call(pg.db, "tasks.get", { id: "not-a-uuid" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.data.zodError).not.toBeNull();

    const unknown = await call(pg.db, "tasks.get", { id: randomUUID() }, { token: "tm_nobody" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.message).toBe("a valid token or session is required");
    for (const { text } of [missing, invalid, unknown]) expect(text).not.toContain('"stack"');
  });
});

describe("an unreachable database", () => {
  it("answers 503 with Retry-After, then at once from the circuit, without internals", async () => {
    const { db, sql } = createDatabase(`postgres://nobody:x@127.0.0.1:${await freePort()}/none`, {
      max: 2,
    });
    const circuit = createDatabaseCircuit({
      probe: () => sql`select 1`,
      log: log.child({ component: "database" }),
    });
    captureLogs();
    try {
      // The token lookup (its hash is the statement's parameter) is what fails first.
      const first = await call(db, "tasks.list", { limit: 5 }, { circuit });
      expect(first.status).toBe(503);
      expect(first.headers.get("retry-after")).toBe("1");
      expect(first.body.error?.data.code).toBe("SERVICE_UNAVAILABLE");
      expect(first.body.error?.data.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expectNoInternals(first.text);
      expect(circuit.isDown()).toBe(true);

      // From now on the circuit answers, for mutations too.
      const second = await call(db, "tasks.submit", { type: "x" }, { circuit, mutation: true });
      const third = await call(db, "agents.list", undefined, { circuit });
      for (const later of [second, third]) {
        expect(later.status).toBe(503);
        expect(later.headers.get("retry-after")).toBe("1");
        expectNoInternals(later.text);
      }

      for (const { body } of [first, second, third]) {
        const line = lines.find((entry) => entry.errorId === body.error?.data.errorId);
        expect(line).toMatchObject({
          level: "warn",
          msg: "call failed: the database is unavailable",
        });
        const logText = JSON.stringify(line);
        expect(logText).not.toMatch(/"stack"|Failed query|params:|select /i);
        expect(logText).not.toContain(token);
      }
      // The outage itself is logged once, by the circuit.
      expect(lines.filter((entry) => entry.component === "database")).toHaveLength(1);
    } finally {
      circuit.close();
      await sql.end();
    }
  });
});
