import { beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";

const pg = setupTestDatabase();
let token = "";

beforeAll(async () => {
  token = (await createToken(pg.db, { name: "wall screen", role: "viewer" })).secret;
});

const query = (path: string, input?: unknown) =>
  callProcedure<Record<string, unknown>>(pg.db, { path, type: "query", input, token });

describe("metrics router", () => {
  it("applies the defaults when a plain HTTP client sends no input", async () => {
    const throughput = await query("metrics.throughput");
    expect(throughput.status).toBe(200);
    expect(throughput.data).toHaveLength(60);
    const utilisation = await query("metrics.utilisation");
    expect(utilisation.data).toMatchObject({ range: "1h", stepSeconds: 60, pools: [] });
    expect((await query("metrics.failureRate")).data).toMatchObject({ windowMinutes: 60 });
  });

  it("refuses ranges outside the bounds, naming the field", async () => {
    const cases: [string, unknown][] = [
      ["metrics.throughput", { sinceMinutes: 0 }],
      ["metrics.throughput", { sinceMinutes: 24 * 60 + 1 }],
      ["metrics.durations", { sinceMinutes: 1.5 }],
      ["metrics.failureRate", { windowMinutes: 100_000 }],
      ["metrics.utilisation", { range: "7d" }],
      ["metrics.utilisation", { range: "1h", now: "2024-01-01T00:00:00Z" }],
    ];
    for (const [path, input] of cases) {
      const { status, body } = await query(path, input);
      expect(status, `${path} ${JSON.stringify(input)}`).toBe(400);
      expect(body.error?.data.code).toBe("BAD_REQUEST");
    }
  });

  it("answers with plain JSON: times as ISO strings, counts as numbers", async () => {
    const { data } = await query("metrics.headline");
    expect(data).toEqual({
      running: 0,
      queued: 0,
      waiting: 0,
      blocked: 0,
      failedLastHour: 0,
      throughputPerMinute: 0,
    });
    const agents = await query("metrics.agents");
    expect(agents.data).toEqual({ counts: { online: 0, draining: 0, offline: 0 }, agents: [] });
    const counts = await query("metrics.taskCounts");
    expect(Object.values(counts.data ?? {})).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
