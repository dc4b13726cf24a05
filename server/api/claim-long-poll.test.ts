import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiFixture, createApiFixture } from "@/test/api-fixture";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

/**
 * A long-polling `agents.claim` over HTTP. The hostile-input property run met a 500 here once,
 * by chance: a generated waitMs of 1 that had not run out when the claim found nothing, and the
 * wait needs the process's event hub.
 */

const pg = setupTestDatabase();
let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await createApiFixture(pg);
});
afterAll(() => fixture.close());

it("answers a long-polling claim that finds nothing with no tasks, not a 500", async () => {
  const answer = await callProcedure<{ tasks: unknown[] }>(pg.db, {
    path: "agents.claim",
    type: "mutation",
    token: fixture.tokens.agent,
    input: { agentId: fixture.agentId, max: 1, waitMs: 50 },
  });
  expect(answer.status).toBe(200);
  expect(answer.data.tasks).toEqual([]);
});
