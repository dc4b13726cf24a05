import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession, SESSION_COOKIE } from "@/server/auth/sessions";
import { createToken, revokeToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { submit } from "@/test/engine";
import { startTestServer, type TestServer } from "@/test/server";
import { parseSseMessage, type SseMessage } from "@/test/sse-message";

/*
 * Sign-in, sessions and their end, against a real server (`npm start`'s launcher, `next
 * start`): what a browser on another site, or a stale cookie, can and cannot make it do.
 */

const pg = setupTestDatabase();
/** Guards only: every wait ends on an event; this bounds a broken one. */
const GUARD_MS = 10_000;

let server: TestServer | undefined;

beforeAll(async () => {
  server = await startTestServer({ databaseUrl: pg.url });
}, 900_000);

afterAll(async () => {
  await server?.stop();
}, 120_000);

function base(): string {
  if (!server) throw new Error("the server did not start");
  return server.url;
}

function guard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), GUARD_MS);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** An open `events.stream`: its first message, then every message until the server ends it. */
async function openStream(credentials: { token?: string; cookie?: string }) {
  const headers = new Headers({ accept: "text/event-stream" });
  if (credentials.token) headers.set("authorization", `Bearer ${credentials.token}`);
  if (credentials.cookie) headers.set("cookie", credentials.cookie);
  const controller = new AbortController();
  const response = await fetch(new URL("/api/trpc/events.stream", base()), {
    headers,
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) throw new Error("no body");
  let buffer = "";
  const pending: SseMessage[] = [];
  const read = async (): Promise<SseMessage | null> => {
    for (;;) {
      const message = pending.shift();
      if (message) return message;
      // Our own close() aborts the read: for this reader that is an end like any other.
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return null;
      buffer += chunk.value;
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        const parsed = parseSseMessage(block);
        if (parsed) pending.push(parsed);
      }
    }
  };
  const first = await guard(read(), "the stream's first message");
  expect(first?.event).toBe("connected");
  return {
    /** Resolves with the messages after `connected` once the server has ended the stream. */
    async ended(): Promise<SseMessage[]> {
      const rest: SseMessage[] = [];
      for (let message = await read(); message; message = await read()) rest.push(message);
      return rest;
    },
    close: () => controller.abort(),
  };
}

async function sessionCount(): Promise<number> {
  const [row] = await pg.sql<{ n: number }[]>`select count(*)::int as n from sessions`;
  return row?.n ?? 0;
}

describe("revoking a token ends its open event streams", () => {
  it("a bearer stream", async () => {
    const { secret, token } = await createToken(pg.db, { name: "screen", role: "viewer" });
    const stream = await openStream({ token: secret });
    try {
      const ending = stream.ended();
      await revokeToken(pg.db, token.id);
      const rest = await guard(ending, "the revoked bearer stream to end");
      expect(rest.at(-1)?.event).toBe("serialized-error");
      expect(rest.at(-1)?.data).toMatch(/UNAUTHORIZED/);
    } finally {
      stream.close();
    }
  });

  it("a session-cookie stream", async () => {
    const { token } = await createToken(pg.db, { name: "browser", role: "viewer" });
    const session = await createSession(pg.db, token.id);
    const stream = await openStream({
      cookie: `${SESSION_COOKIE}=${encodeURIComponent(session)}`,
    });
    try {
      const ending = stream.ended();
      await revokeToken(pg.db, token.id);
      await guard(ending, "the revoked session stream to end");
    } finally {
      stream.close();
    }
  });

  it("another token's stream stays open", async () => {
    const kept = await createToken(pg.db, { name: "kept", role: "viewer" });
    const gone = await createToken(pg.db, { name: "gone", role: "viewer" });
    const keptStream = await openStream({ token: kept.secret });
    const goneStream = await openStream({ token: gone.secret });
    try {
      let keptEnded = false;
      void keptStream.ended().then(() => {
        keptEnded = true;
      });
      await revokeToken(pg.db, gone.token.id);
      await guard(goneStream.ended(), "the revoked stream to end");
      // The notification reached this server (the other stream ended on it); this one is live.
      await submit(pg.db, { name: "after the revocation" });
      expect(keptEnded).toBe(false);
    } finally {
      keptStream.close();
      goneStream.close();
    }
  });
});

describe("a page request with a session cookie that is not valid", () => {
  const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

  it("gets no task data, for a task that exists as for one that does not", async () => {
    const task = await submit(pg.db, { name: "confidential-task-name-4711" });
    const cookie = `${SESSION_COOKIE}=tms_bogus`;
    const fetchPage = async (id: string, rsc: boolean) => {
      const url = new URL(`/tasks/${id}`, base());
      if (rsc) url.searchParams.set("_rsc", "x1y2z");
      const headers = new Headers({ cookie });
      if (rsc) headers.set("rsc", "1");
      const response = await fetch(url, { headers, redirect: "manual" });
      return { status: response.status, body: await response.text() };
    };
    for (const rsc of [true, false]) {
      const existing = await fetchPage(task.id, rsc);
      const unknown = await fetchPage(UNKNOWN_ID, rsc);
      expect(existing.body).not.toContain(task.name);
      // No existence oracle: a real task and a made-up id get the same answer (the id itself
      // comes back in the page's own address).
      expect(existing.status).toBe(unknown.status);
      expect(existing.body.replaceAll(task.id, "<id>")).toBe(
        unknown.body.replaceAll(UNKNOWN_ID, "<id>"),
      );
      // Sent to sign in, not shown a page.
      expect([303, 307, 308]).toContain(existing.status);
    }
  });
});

describe("the sign-in route", () => {
  it("a GET with a token signs nothing in: it sends the browser to the confirmation page", async () => {
    const { secret } = await createToken(pg.db, { name: "link", role: "viewer" });
    const before = await sessionCount();
    const response = await fetch(
      new URL(`/api/auth/sign-in?${new URLSearchParams({ token: secret, next: "/wall" })}`, base()),
      { redirect: "manual" },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(new URL(response.headers.get("location") ?? "", base()).pathname).toBe("/sign-in");
    expect(await sessionCount()).toBe(before);
  });

  it("refuses a POST from another scheme on the same host and port", async () => {
    const { secret } = await createToken(pg.db, { name: "scheme", role: "viewer" });
    const before = await sessionCount();
    const response = await fetch(new URL("/api/auth/sign-in", base()), {
      method: "POST",
      headers: { origin: base().replace(/^http:/, "https:") },
      body: new URLSearchParams({ token: secret, next: "/" }),
      redirect: "manual",
    });
    expect(response.status).toBe(403);
    expect(await sessionCount()).toBe(before);
  });

  it("answers a CR, LF or other control character in next with a 4xx and writes no session", async () => {
    const { secret } = await createToken(pg.db, { name: "crlf", role: "viewer" });
    const before = await sessionCount();
    for (const next of ["/\r\nset-cookie: x=1", "/a\nb", "/a\rb", "/\t/evil.example:4210/"]) {
      const response = await fetch(new URL("/api/auth/sign-in", base()), {
        method: "POST",
        headers: { origin: base() },
        body: new URLSearchParams({ token: secret, next }),
        redirect: "manual",
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(await sessionCount()).toBe(before);
  });

  it("lands an open-redirect attempt on our own root", async () => {
    const { secret } = await createToken(pg.db, { name: "redirect", role: "viewer" });
    const attempts = [
      "/%09/evil.example:4210/",
      "//evil.example/",
      "/\\evil.example",
      "\\\\evil.example",
      "/.//evil.example",
      "https://evil.example/",
    ];
    for (const next of attempts) {
      const response = await fetch(new URL("/api/auth/sign-in", base()), {
        method: "POST",
        headers: { origin: base() },
        body: new URLSearchParams({ token: secret, next }),
        redirect: "manual",
      });
      expect(response.status).toBe(303);
      const location = response.headers.get("location") ?? "";
      expect(new URL(location, base()).origin).toBe(base());
    }
  });
});
