import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { AGENT_CALLS } from "@/server/api/agent-calls-route";
import { answerDirectly } from "@/server/api/direct-call";
import { handleTrpcRequest, TRPC_ENDPOINT } from "@/server/api/handler";
import { appRouter } from "@/server/api/root";
import { type ApiFixture, createApiFixture } from "@/test/api-fixture";
import { setupTestDatabase } from "@/test/db";
import { type Kind, procedureInputs } from "@/test/hostile/procedure-inputs";
import { hostile, inject, json, type Path, pathsOf } from "@/test/hostile/values";
import { TEST_ORIGIN } from "@/test/trpc-http";

/**
 * Every procedure, driven over the real HTTP handler with hostile values put into a valid input:
 * no answer is a 5xx, none carries SQL or a stack, and a refused mutation writes nothing.
 */

const pg = setupTestDatabase();

let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await createApiFixture(pg);
});

afterAll(() => fixture.close());

/** Every row a call could write, in one value; api_tokens only counted (auth touches it). */
async function snapshot(): Promise<string> {
  const digest = (table: string) =>
    sql.raw(
      `(select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from ${table} t)`,
    );
  const [row] = await pg.db.execute(sql`
    select ${digest("tasks")} as tasks, ${digest("workflows")} as workflows,
      ${digest("agents")} as agents, ${digest("resources")} as resources,
      ${digest("alerts")} as alerts, ${digest("allocations")} as allocations,
      ${digest("task_dependencies")} as edges, ${digest("schedules")} as schedules,
      ${digest("schedule_fires")} as schedule_fires,
      (select count(*) from api_tokens) as tokens,
      (select coalesce(max(id), 0) from task_events) as last_event`);
  return json(row);
}

const SQL_TEXT = /select |insert into|update "|delete from|failed query|params:/i;
const STACK = /\n\s+at |\bat [\w.<>]+ \(/;

async function send(path: string, kind: Kind, text: string | undefined, token: string) {
  const url = new URL(`${TRPC_ENDPOINT}/${path}`, TEST_ORIGIN);
  const headers = new Headers({ host: url.host, authorization: `Bearer ${token}` });
  let init: RequestInit = { method: "GET", headers };
  if (kind === "mutation") {
    headers.set("content-type", "application/json");
    init = { method: "POST", headers, body: text ?? "null" };
  } else if (text !== undefined) {
    url.searchParams.set("input", text);
  }
  if (kind === "subscription") headers.set("accept", "text/event-stream");
  // The agents' calls are answered directly on the server, as serveAgentCall does.
  if (kind === "mutation" && AGENT_CALLS.has(path)) {
    const answer = await answerDirectly(pg.db, {
      path,
      url: url.toString(),
      headers,
      body: Buffer.from(text ?? "null"),
      signal: new AbortController().signal,
    });
    if (answer) return new Response(answer.body, answer);
  }
  return handleTrpcRequest(pg.db, new Request(url, init));
}

/**
 * A subscription answers 200 and reports a refused input inside its stream: read up to that
 * event. One that was accepted streams on, and is closed at once.
 */
async function bodyOf(response: Response, refused: boolean, kind: Kind): Promise<string> {
  if (kind !== "subscription" || response.status !== 200) return response.text();
  if (!refused) {
    await response.body?.cancel();
    return "";
  }
  const reader = response.body?.getReader();
  let text = "";
  const decoder = new TextDecoder();
  while (reader && !text.includes("event: serialized-error")) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  // The data line of the error event may come in the next chunk.
  while (reader && !/event: serialized-error\ndata: .*\n/.test(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader?.cancel();
  return text;
}

it("covers every procedure of the router", () => {
  expect(Object.keys(appRouter._def.procedures).sort()).toEqual(
    Object.keys(procedureInputs).sort(),
  );
});

describe.each(Object.entries(procedureInputs))("%s", (path, spec) => {
  // Typed as the nested router record, but flat at run time, keyed by "router.procedure".
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { inputs: z.ZodType[] } }
  >;
  const schema = procedures[path]?._def.inputs[0];

  it("answers hostile input without a 5xx, SQL, a stack, or a write", async () => {
    const paths: Path[] = [[], ["__unknown"], ...pathsOf(schema)];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        hostile,
        fc.boolean(),
        async (at, value, asAdmin) => {
          const text = inject(spec.input(fixture), at, value);
          const parsed = JSON.parse(text) as unknown;
          const refusedByZod = schema ? !schema.safeParse(parsed).success : false;
          const role = asAdmin ? "admin" : spec.role;
          const before = spec.type === "mutation" ? await snapshot() : "";
          const response = await send(path, spec.type, text, fixture.tokens[role]);
          const body = await bodyOf(response, refusedByZod, spec.type);
          const where = `${path} at ${json(at)} = ${value.slice(0, 80)}: ${response.status} ${body.slice(0, 300)}`;
          expect(response.status, where).toBeLessThan(500);
          expect(body, where).not.toMatch(SQL_TEXT);
          expect(body, where).not.toMatch(STACK);
          if (refusedByZod) {
            expect(response.status === 400 || body.includes('"BAD_REQUEST"'), where).toBe(true);
          }
          if (spec.type === "mutation" && response.status >= 400) {
            expect(await snapshot(), where).toBe(before);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
