import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resources } from "@/db/schema/resources";
import { createToken } from "@/server/auth/tokens";
import { setupTestDatabase } from "@/test/db";
import { callProcedure } from "@/test/trpc-http";
import { evaluateAlerts } from "./evaluate";
import { eventKinds, resetMonitorTables, testSettings } from "./test-helpers";

const pg = setupTestDatabase();
let operator: { secret: string; id: string };
let viewer: string;

interface AlertJson {
  id: number;
  subject: string;
  state: string;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
}

beforeAll(async () => {
  const made = await createToken(pg.db, { name: "operator", role: "operator" });
  operator = { secret: made.secret, id: made.token.id };
  viewer = (await createToken(pg.db, { name: "wall", role: "viewer" })).secret;
});

beforeEach(async () => {
  await resetMonitorTables(pg.db);
  // Three full pools: three firing resource_usage alerts.
  await pg.db
    .insert(resources)
    .values(
      ["a", "b", "c"].map((name) => ({ name, scope: "pool" as const, capacity: 1, inUse: 1 })),
    );
  await evaluateAlerts(pg.db, testSettings());
});

const list = (input: unknown) =>
  callProcedure<{ items: AlertJson[]; nextCursor: number | null }>(pg.db, {
    path: "alerts.list",
    type: "query",
    input,
    token: viewer,
  });

const act = (path: "alerts.acknowledge" | "alerts.resolve", id: number) =>
  callProcedure<AlertJson>(pg.db, {
    path,
    type: "mutation",
    input: { id },
    token: operator.secret,
  });

describe("alerts.list", () => {
  it("pages newest first and filters by state and rule", async () => {
    const first = await list({ limit: 2 });
    expect(first.data.items.map((a) => a.subject)).toEqual(["pool:c", "pool:b"]);
    const second = await list({ limit: 2, cursor: first.data.nextCursor });
    expect(second.data).toMatchObject({ items: [{ subject: "pool:a" }], nextCursor: null });

    expect((await list({ state: "resolved" })).data.items).toEqual([]);
    expect((await list({ rule: "task_duration" })).data.items).toEqual([]);
    expect((await list(undefined)).data.items).toHaveLength(3);
    expect((await list({ rule: "cpu_temp" })).status).toBe(400);
  });
});

describe("alerts.acknowledge and alerts.resolve", () => {
  it("acknowledges once, with who did it, and records the event", async () => {
    const [alert] = (await list({})).data.items;
    const acked = await act("alerts.acknowledge", alert?.id ?? 0);
    expect(acked.data).toMatchObject({ state: "firing", acknowledgedBy: operator.id });
    expect((await act("alerts.acknowledge", alert?.id ?? 0)).status).toBe(200);
    expect((await eventKinds(pg.db)).filter((k) => k === "alert.acknowledged")).toHaveLength(1);
  });

  it("resolves by hand, then refuses to resolve or acknowledge it again", async () => {
    const [alert] = (await list({})).data.items;
    const id = alert?.id ?? 0;
    expect((await act("alerts.resolve", id)).data).toMatchObject({
      state: "resolved",
      resolvedBy: operator.id,
    });
    const again = await act("alerts.resolve", id);
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toMatch(/already resolved \(by an operator\)/);
    expect((await act("alerts.acknowledge", id)).status).toBe(409);
    expect((await eventKinds(pg.db)).filter((k) => k === "alert.resolved")).toHaveLength(1);
  });

  it("answers 404 for an unknown alert", async () => {
    expect((await act("alerts.resolve", 987654)).status).toBe(404);
    expect((await act("alerts.acknowledge", 987654)).status).toBe(404);
  });
});
