import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "@/db/client";
import { handleTrpcRequest, TRPC_ENDPOINT } from "@/server/api/handler";
import { createToken, revokeToken } from "@/server/auth/tokens";
import { type ApiFixture, createApiFixture } from "@/test/api-fixture";
import { setupTestDatabase } from "@/test/db";
import { parseSseMessage, type SseMessage } from "@/test/sse-message";
import { callProcedure, TEST_ORIGIN } from "@/test/trpc-http";
import type { LogLine } from "./read";

/*
 * The log procedures through the real tRPC HTTP handler: tasks.log's fencing on the wire, and
 * tasks.followLog as an SSE stream (resume by Last-Event-ID, only the followed task's lines,
 * ended by the token's revocation).
 */

const pg = setupTestDatabase();
let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await createApiFixture(pg);
});
afterAll(async () => {
  await fixture?.close();
});

const log = (taskId: string, leaseEpoch: number, ...messages: string[]) =>
  callProcedure<{ ok: true; accepted: number }>(pg.db, {
    path: "tasks.log",
    type: "mutation",
    token: fixture.tokens.agent,
    input: {
      agentId: fixture.agentId,
      taskId,
      leaseEpoch,
      lines: messages.map((message) => ({ level: "info", message })),
    },
  });

/** A second task claimed by the fixture's agent. */
async function anotherTask(): Promise<{ taskId: string; leaseEpoch: number }> {
  const submitted = await callProcedure<{ task: { id: string } }>(pg.db, {
    path: "tasks.submit",
    type: "mutation",
    token: fixture.tokens.orchestrator,
    input: { name: "another" },
  });
  const claimed = await callProcedure<{ tasks: { id: string; leaseEpoch: number }[] }>(pg.db, {
    path: "agents.claim",
    type: "mutation",
    token: fixture.tokens.agent,
    input: { agentId: fixture.agentId, max: 1 },
  });
  const task = claimed.data.tasks[0];
  if (task?.id !== submitted.data.task.id) throw new Error("claimed another task than submitted");
  return { taskId: task.id, leaseEpoch: task.leaseEpoch };
}

async function follow(taskId: string, token: string, lastEventId?: string) {
  const url = new URL(`${TRPC_ENDPOINT}/tasks.followLog`, TEST_ORIGIN);
  url.searchParams.set("input", JSON.stringify({ taskId }));
  const headers = new Headers({ host: url.host, accept: "text/event-stream" });
  headers.set("authorization", `Bearer ${token}`);
  if (lastEventId) headers.set("last-event-id", lastEventId);
  const response = await handleTrpcRequest(pg.db, new Request(url, { headers }));
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const ready: SseMessage[] = [];
  const nextMessage = async (): Promise<SseMessage | null> => {
    for (;;) {
      const message = ready.shift();
      if (message) return message;
      const chunk = await reader?.read();
      if (!chunk || chunk.done) return null;
      buffer += chunk.value;
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        const parsed = parseSseMessage(block);
        if (parsed) ready.push(parsed);
      }
    }
  };
  return {
    status: response.status,
    /** The next page of lines, with its id; null once the stream ended. */
    async nextLines(): Promise<{ id: string | undefined; lines: LogLine[] } | null> {
      for (let message = await nextMessage(); message; message = await nextMessage()) {
        if (message.event === "serialized-error") return null;
        if (message.event !== "message") continue;
        return { id: message.id, lines: (JSON.parse(message.data) as { lines: LogLine[] }).lines };
      }
      return null;
    },
    close: () => reader?.cancel(),
  };
}

describe("tasks.log", () => {
  it("is refused with 409 for a stale epoch and writes nothing", async () => {
    const refused = await log(fixture.taskId, fixture.leaseEpoch + 1, "from an older claim");
    expect(refused.status).toBe(409);
    expect(refused.body.error?.data.code).toBe("CONFLICT");
    const [row] = await pg.db.execute<{ count: number }>(
      sql`select count(*)::int as count from task_logs where task_id = ${fixture.taskId}`,
    );
    expect(row?.count).toBe(0);
    const accepted = await log(fixture.taskId, fixture.leaseEpoch, "held");
    expect(accepted.data).toEqual({ ok: true, accepted: 1 });
  });

  it("refuses a bad line with 400 naming the line and its field, and writes none", async () => {
    const { taskId, leaseEpoch } = await anotherTask();
    const refused = await callProcedure(pg.db, {
      path: "tasks.logMany",
      type: "mutation",
      token: fixture.tokens.agent,
      input: {
        agentId: fixture.agentId,
        items: [
          {
            taskId,
            leaseEpoch,
            lines: [
              { level: "info", message: "fine" },
              { level: "info", message: "fine", fields: { deep: { bad: "\u0000" } } },
            ],
          },
        ],
      },
    });
    expect(refused.status).toBe(400);
    const data = refused.body.error?.data as unknown as {
      zodError: { fieldErrors: Record<string, string[]> };
    };
    expect(data.zodError.fieldErrors).toEqual({
      items: ["must not contain the NUL character (U+0000)"],
    });
    const [issue] = JSON.parse(refused.body.error?.message ?? "[]") as { path: unknown[] }[];
    expect(issue?.path).toEqual(["items", 0, "lines", 1, "fields", "deep", "bad"]);
    const [row] = await pg.db.execute<{ count: number }>(
      sql`select count(*)::int as count from task_logs where task_id = ${taskId}`,
    );
    expect(row?.count).toBe(0);
  });

  it("appends through the log pool it is given, not the main one", async () => {
    const { taskId, leaseEpoch } = await anotherTask();
    const logPool = createDatabase(pg.url, { max: 1, applicationName: "tm-test-log-pool" });
    try {
      const url = new URL(`${TRPC_ENDPOINT}/tasks.log`, TEST_ORIGIN);
      const headers = new Headers({ host: url.host, "content-type": "application/json" });
      headers.set("authorization", `Bearer ${fixture.tokens.agent}`);
      const body = JSON.stringify({
        agentId: fixture.agentId,
        taskId,
        leaseEpoch,
        lines: [{ level: "info", message: "through the log pool" }],
      });
      const request = new Request(url, { method: "POST", headers, body });
      const response = await handleTrpcRequest(pg.db, request, undefined, logPool.db);
      expect(response.status).toBe(200);
      // The pool keeps its connection open: the append went through it.
      const [row] = await pg.db.execute<{ count: number }>(
        sql`select count(*)::int as count from pg_stat_activity
          where application_name = 'tm-test-log-pool' and datname = current_database()`,
      );
      expect(row?.count).toBe(1);
    } finally {
      await logPool.sql.end();
    }
  });
});

describe("tasks.followLog", () => {
  it("streams only the followed task's lines, and resumes after the last event id", async () => {
    const other = await anotherTask();
    const { viewer } = fixture.tokens;
    const mine = await follow(fixture.taskId, viewer);
    const theirs = await follow(other.taskId, viewer);
    expect(mine.status).toBe(200);
    // A logs first: were its lines broadcast, B's follower would get them before B's own.
    await log(fixture.taskId, fixture.leaseEpoch, "A1", "A2");
    await log(other.taskId, other.leaseEpoch, "B1");
    const first = await mine.nextLines();
    expect(first?.lines.map((line) => line.message)).toEqual(["A1", "A2"]);
    expect(first?.id).toBe(String(first?.lines.at(-1)?.seq));
    expect((await theirs.nextLines())?.lines.map((line) => line.message)).toEqual(["B1"]);
    await mine.close();
    await theirs.close();

    // Lines logged while nobody followed come first after a resume; none twice.
    await log(fixture.taskId, fixture.leaseEpoch, "A3");
    const resumed = await follow(fixture.taskId, viewer, first?.id);
    await log(fixture.taskId, fixture.leaseEpoch, "A4");
    const seen: string[] = [];
    while (seen.length < 2) {
      const page = await resumed.nextLines();
      if (!page) throw new Error("the stream ended");
      seen.push(...page.lines.map((line) => line.message));
    }
    expect(seen).toEqual(["A3", "A4"]);
    await resumed.close();
  });

  it("ends when its token is revoked", async () => {
    const { secret, token } = await createToken(pg.db, { name: "revoked viewer", role: "viewer" });
    const stream = await follow(fixture.taskId, secret);
    expect(stream.status).toBe(200);
    await revokeToken(pg.db, token.id);
    expect(await stream.nextLines()).toBeNull();
  });
});
