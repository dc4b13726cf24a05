import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture } from "@/test/api-fixture";
import { setupTestDatabase } from "@/test/db";
import { badInputs } from "@/test/hostile/bad-inputs";
import { callProcedure } from "@/test/trpc-http";

/**
 * Each input the hardening review found answered with a 500 carrying drizzle's
 * `Failed query: <SQL> params: <values>`, and each unbounded input it found
 * (test/hostile/bad-inputs.ts): every one is now a 400 naming the field, and changes nothing.
 */

const pg = setupTestDatabase();
let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await createApiFixture(pg);
});

afterAll(() => fixture.close());

const SQL_TEXT = /select |insert into|update "|failed query|params:/i;

async function rowsWritten() {
  const [row] = await pg.sql`
    select (select count(*) from tasks) as tasks, (select count(*) from workflows) as workflows,
      (select count(*) from agents) as agents, (select count(*) from resources) as resources,
      (select count(*) from api_tokens) as tokens,
      (select coalesce(max(id), 0) from task_events) as last_event,
      (select state from tasks where id = ${fixture.taskId}) as leased_state`;
  return row;
}

describe.each(Object.entries(badInputs))("%s", (_, bad) => {
  it(`answers 400 naming ${bad.field}, and writes nothing`, async () => {
    const before = await rowsWritten();
    const { status, body } = await callProcedure(pg.db, {
      path: bad.path,
      type: bad.type,
      input: bad.input(fixture),
      token: fixture.tokens[bad.role],
    });
    const text = JSON.stringify(body);
    expect(status, text.slice(0, 500)).toBe(400);
    expect(text).not.toMatch(SQL_TEXT);
    const issues = JSON.parse(body.error?.message ?? "[]") as {
      path: unknown[];
      message: string;
    }[];
    const issue = issues.find((i) => i.path.join(".") === bad.field);
    expect(issue, body.error?.message.slice(0, 500)).toBeDefined();
    expect(issue?.message).toMatch(bad.says);
    expect(await rowsWritten()).toEqual(before);
  });
});
