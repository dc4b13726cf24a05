import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { defineAgentResource, definePool } from "@/test/engine";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();
let orchestrator = "";

beforeAll(async () => {
  orchestrator = (await createToken(pg.db, { name: "orchestrator", role: "orchestrator" })).secret;
  await definePool(pg.db, "gpu", 4);
  await defineAgentResource(pg.db, "cpu");
});

async function rowCounts() {
  const [row] = await pg.db.execute<{
    tasks: number;
    workflows: number;
    edges: number;
    events: number;
  }>(sql`
    select (select count(*)::int from tasks) as tasks, (select count(*)::int from workflows) as workflows,
           (select count(*)::int from task_dependencies) as edges, (select count(*)::int from task_events) as events`);
  return row;
}

async function submitWorkflow(tasks: unknown[]) {
  return callProcedure(pg.db, {
    path: "workflows.submit",
    type: "mutation",
    input: { name: "rejected", tasks },
    token: orchestrator,
  });
}

describe("workflows.submit rejects, naming the keys, and writes nothing", () => {
  it.each([
    [
      "a cycle",
      [
        { key: "a", name: "a", dependsOn: ["c"] },
        { key: "b", name: "b", dependsOn: ["a"] },
        { key: "c", name: "c", dependsOn: ["b"] },
        { key: "free", name: "free" },
      ],
      /cycle among: "a", "b", "c"|cycle among: .*"a".*"b".*"c"/,
    ],
    ["a self-dependency", [{ key: "me", name: "me", dependsOn: ["me"] }], /cycle among: "me"/],
    [
      "an unknown key",
      [{ key: "a", name: "a", dependsOn: ["ghost"] }],
      /unknown keys: "a → ghost"/,
    ],
    [
      "a duplicate key",
      [
        { key: "a", name: "a" },
        { key: "a", name: "again" },
      ],
      /duplicate task keys: "a"/,
    ],
    [
      "more of a pool than it has",
      [{ key: "big", name: "big", requires: { gpu: 5 } }],
      /tasks\[0\] \(key "big"\)\.requires\.gpu: 5 exceeds the pool's whole capacity 4/,
    ],
    [
      "an unknown resource",
      [
        { key: "ok", name: "ok" },
        { key: "odd", name: "odd", requires: { tpu: 1 } },
      ],
      /tasks\[1\] \(key "odd"\)\.requires\.tpu: unknown resource/,
    ],
  ])("%s", async (_, tasks, message) => {
    const before = await rowCounts();
    const { status, body } = await submitWorkflow(tasks);
    expect(status).toBe(400);
    expect(body.error?.message).toMatch(message);
    expect(await rowCounts()).toEqual(before);
  });

  it("a bad field is named by the validation error", async () => {
    const { status, body } = await submitWorkflow([{ key: "a", name: "a", priority: "high" }]);
    expect(status).toBe(400);
    const data = body.error?.data as unknown as {
      zodError: { fieldErrors: Record<string, string[]> };
    };
    expect(Object.keys(data.zodError.fieldErrors)).toEqual(["tasks"]);
    expect(body.error?.message).toContain("priority");
  });

  it("a valid workflow over HTTP is written whole", async () => {
    const { status, data } = await callProcedure<{ tasks: { key: string; state: string }[] }>(
      pg.db,
      {
        path: "workflows.submit",
        type: "mutation",
        input: {
          name: "accepted",
          tasks: [
            { key: "a", name: "a", requires: { gpu: 4, cpu: 2 } },
            { key: "b", name: "b", dependsOn: ["a"] },
          ],
        },
        token: orchestrator,
      },
    );
    expect(status).toBe(200);
    expect(data.tasks.map((task) => [task.key, task.state])).toEqual([
      ["a", "queued"],
      ["b", "blocked"],
    ]);
  });
});
