import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/test/db";
import { submit } from "@/test/engine";
import { dagWithAgent } from "@/test/workflows";
import { newTaskId } from "./task-id";

const pg = setupTestDatabase();
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newTaskId", () => {
  it("makes UUIDv7s carrying the time, so later ids sort after earlier ones", () => {
    const before = Date.now();
    const id = newTaskId();
    expect(id).toMatch(V7);
    const ms = Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    const ids = Array.from({ length: 1000 }, () => newTaskId());
    expect(new Set(ids).size).toBe(1000);
    // Ordered by their millisecond prefix (random within one millisecond).
    const prefixes = ids.map((value) => value.slice(0, 13));
    expect([...prefixes].sort()).toEqual(prefixes);
  });

  it("is what submitted tasks, workflow tasks included, get as ids", async () => {
    const task = await submit(pg.db);
    const run = await dagWithAgent(pg.db, [{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    for (const id of [task.id, ...Object.values(run.ids)]) expect(id).toMatch(V7);
  });
});
